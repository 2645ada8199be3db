// Internal: the API's values as JSON, both ways (nlohmann-json: JSON coming
// in is parsed with it, DESIGN.md §7). The control socket's replies, and
// what `baton status --json` style tools print.
#pragma once

#include <nlohmann/json.hpp>

#include "baton/options.hpp"
#include "baton/result.hpp"
#include "baton/status.hpp"

namespace baton::api::detail {

nlohmann::json to_json(const run_status& s);
nlohmann::json to_json(const screen& s);
nlohmann::json to_json(const delivery& d);
nlohmann::json to_json(const task_spec& t);

/// Errors: ec::invalid_argument naming the field that is missing or of the
/// wrong type.
result<run_status> status_from_json(const nlohmann::json& j);
result<screen> screen_from_json(const nlohmann::json& j);
result<delivery> delivery_from_json(const nlohmann::json& j);
result<task_spec> task_from_json(const nlohmann::json& j);

} // namespace baton::api::detail
