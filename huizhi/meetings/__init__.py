"""Consultation 协商议事 (DESIGN §8, issue 14).

Built: meetings (恳谈会, 协商议事会, 表彰会, 座谈会) held by a region, group or organisation at one of
the community's meeting places (协商议事亭, halls, studios: /console/meetings/venues/, on a map) and
shown on a month calendar (/console/meetings/calendar/); parties invited by role or an organisation
by name, told through the inbox and SMS; sign-in on the phone through the QR code shown at the
meeting (its token proves presence) or by the organiser; attendance and quorum
(HUIZHI_MEETING_QUORUM, the share of voters who must have signed in before a vote counts);
agenda from wall items (through huizhi.wall.outbound), cases and free topics; minutes kept in scope
until published; decisions by entitled votes or consensus with one owner and a due date, progress to
done, cases opened through the case services; decisions published on the echo wall of the item that
raised them; overdue decisions for the discipline commissioner (/console/meetings/decisions/overdue/,
linked from the supervision queue); commendations at a 表彰会 of volunteers (with confirmed hours and
points), central party-member households (by address) and groups, listed publicly per community
(/commendations/<community code>/).

Not yet (issue 14): the self-governance network pages (/console/network/, the liaison's group page),
representatives' and member units' own pages and lists (需求/资源/项目清单, matching, projects — the
network and projects apps), reminders of decisions coming due (the deadline sweep), a public page of
a community's published minutes and of decisions on free topics (today only decisions on wall items reach the echo wall),
and closing the wall item (stage answered) once every decision on it is done.
"""
