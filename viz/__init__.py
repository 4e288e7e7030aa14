"""Pages planners look at: the chain map (pyvis), the service matrix and the bundle flowchart.

Every page is one self-contained UTF-8 HTML file: scripts, styles and fonts inline, no external
URL, so it opens on an intranet with no internet.
"""
