# baton_embed_text(<header> <symbol> <file>): writes a header declaring
# `inline constexpr std::string_view <symbol>` holding the file's text.
function(baton_embed_text header symbol file)
  file(READ ${file} text)
  set(delimiter "baton_embed")
  file(WRITE ${header}
    "// Generated from ${symbol}'s source file; do not edit.\n"
    "#pragma once\n#include <string_view>\n"
    "inline constexpr std::string_view ${symbol} = R\"${delimiter}(${text})${delimiter}\";\n")
endfunction()
