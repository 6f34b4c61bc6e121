"""Consultation 协商议事 (DESIGN §8, issue 14).

Built: meetings (恳谈会, 协商议事会, 表彰会, 座谈会) held by a region, group or organisation; parties
invited by role and told through the inbox and SMS; sign-in on the phone or by the organiser;
agenda from wall items (through huizhi.wall.outbound), cases and free topics; minutes kept in scope
until published; decisions by entitled votes or consensus with one owner and a due date, progress to
done, cases opened through the case services; decisions published on the echo wall of the item that
raised them; overdue decisions for the discipline commissioner (/console/meetings/decisions/overdue/).

Not yet (issue 14): the self-governance network pages (/console/network/, the liaison's group page),
representatives' and member units' own pages and lists (需求/资源/项目清单, matching, projects),
commendations at 表彰会, QR sign-in, quorum from settings, reminders of decisions coming due (the
deadline sweep), 协商议事亭 as a place kind on the map, a public page of a community's published
minutes and of decisions on free topics (today only decisions on wall items reach the echo wall),
and closing the wall item (stage answered) once every decision on it is done.
"""
