"""Reading a console list's pager in tests: its Next and Previous links, and the rows a page shows."""

import re

LINK = re.compile(r'<a href="\?([^"]*)" rel="(prev|next)">')


def links(response) -> dict[str, str]:
    html = response.content.decode()
    return {rel: "?" + query.replace("&amp;", "&") for query, rel in LINK.findall(html)}


def shown(response) -> list[int]:
    return [case.pk for case in response.context["page"].object_list]
