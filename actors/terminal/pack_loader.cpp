#include "actors/terminal/pack_loader.hpp"

#include <fstream>
#include <sstream>
#include <string>

#include "packs/builtin_packs.hpp"

namespace baton::actors::terminal {

namespace {

result<std::shared_ptr<const engine::detect::pack>>
parse(std::string_view text, std::string_view source) {
  auto p = engine::detect::parse_pack(text, source);
  if (!p)
    return p.err();
  return std::make_shared<const engine::detect::pack>(std::move(*p));
}

} // namespace

result<std::shared_ptr<const engine::detect::pack>>
builtin_pack(std::string_view name) {
  std::string names;
  for (auto& [n, text] : packs::builtin) {
    if (n == name)
      return parse(text, "builtin:" + std::string{n});
    names += names.empty() ? "" : ", ";
    names += n;
  }
  return error{ec::not_found, "no built-in pack '" + std::string{name}
                                + "' (there are: " + names + ")"};
}

result<std::shared_ptr<const engine::detect::pack>>
pack_from_file(std::string_view path) {
  std::ifstream in{std::string{path}, std::ios::binary};
  if (!in)
    return error{ec::not_found,
                 "cannot open pack file " + std::string{path}};
  std::stringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

} // namespace baton::actors::terminal
