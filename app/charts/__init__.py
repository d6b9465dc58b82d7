"""SVG charts: svg.py draws (pure functions, no plotting library), text.py holds the words in
English and French, layout.py lays a report's figures out as a chart."""
