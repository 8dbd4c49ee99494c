# Writes embed.html from index.html: the same page, with the body flagged for embed mode.
file(READ "${IN}" page)
string(REPLACE "<body>" "<body data-embed=\"1\">" page "${page}")
string(REPLACE "<title>Attention Playground: every step of attention, live</title>" "<title>Attention Playground (embedded)</title>" page "${page}")
file(WRITE "${OUT}" "${page}")
