"""Projects and the member units' lists (需求清单 / 资源清单 / 项目清单, DESIGN §8).

A need (what residents need) matched to a resource (what a member unit offers) becomes a project;
projects also come from meeting decisions and from a representative's studio. Each carries a
funding source, milestones and public progress on the community's echo wall.
"""
