"""Members and their service, one module per concept.

- `checkin`: memberships (双报到), posts (认岗) and teams
- `orders`: service orders (认事、创单), service records, ratings and points (服务纪实、一事一评)
- `pairings`: pairings with care recipients and visits (认亲)
- `mode`: a community's mode and the emergency teams (常急转换)
- `lists`: needs, projects and evaluations (三张清单)
- `access`: who may see and do what, shared by the others
"""
