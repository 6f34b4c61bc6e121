"""The self-governance network (三级自治管理网络, DESIGN §8) and the pages of those who help.

A community's regions (自治大区) → groups (自治小组) → central party-member households (中心党员户),
each household linked to one of them (包户); the liaison's phone page of their group; and the own
pages of 两代表一委员 and of the 大党委's member units: what they may take on, what they took on,
their answers and their meetings.
"""
