"""Area notices (通知公告) and following an area (DESIGN §15).

Community staff (and street leadership over their street) publish a notice to a community, grid,
compound or building; the residents whose homes lie there are told in their inbox, and by text
message when they asked for it. Each community's current notices are on a public page. A resident
may follow their home's compound or building and is told of new public wall items there, of their
outcomes and of new notices.
"""
