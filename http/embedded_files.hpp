// The browser view's files, embedded in the binary at build time
// (cmake/EmbedFiles.cmake): web/*.html|js|css, and xterm.js with its CSS
// from the pinned npm package (web/package.json) under vendor/.
#pragma once

#include <cstddef>
#include <string_view>

namespace baton::http {

struct embedded_file {
  /// "index.html", "app.js", "vendor/xterm.js", ...
  std::string_view name;
  std::string_view content_type;
  std::string_view body;
};

extern const embedded_file embedded_files[];
extern const size_t embedded_file_count;

} // namespace baton::http
