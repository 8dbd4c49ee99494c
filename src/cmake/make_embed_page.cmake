# Writes embed.html from index.html: the same page, with the body flagged for embed mode and
# "(embedded)" in its title. Fails loudly when an anchor is missing, so an edit of index.html
# cannot silently produce an embed page that is not one.
file(READ "${IN}" page)
foreach(anchor "<body>" "</title>")
  string(FIND "${page}" "${anchor}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "make_embed_page: ${IN} has no ${anchor}; embed.html needs it as an anchor")
  endif()
endforeach()
string(REPLACE "<body>" "<body data-embed=\"1\">" page "${page}")
string(REGEX REPLACE "<title>([^<:]*)[^<]*</title>" "<title>\\1 (embedded)</title>" page "${page}")
file(WRITE "${OUT}" "${page}")
