"""Files → posts → passages: the site, front matter, Markdown cleaning, sections, URLs."""
