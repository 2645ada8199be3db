// Finding a detector pack: a built-in one by name, or a user's file.
#pragma once

#include <memory>
#include <string_view>

#include "engine/detect/pack.hpp"
#include "engine/result.hpp"

namespace baton::actors::terminal {

/// The built-in pack `name` (packs/*.toml, embedded). Errors:
/// ec::not_found naming the pack and the ones there are.
result<std::shared_ptr<const engine::detect::pack>>
builtin_pack(std::string_view name);

/// The pack in the TOML file at `path`. Errors: ec::not_found (no such
/// file), ec::parse_error ("<path>:<line>: what").
result<std::shared_ptr<const engine::detect::pack>>
pack_from_file(std::string_view path);

} // namespace baton::actors::terminal
