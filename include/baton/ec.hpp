// The one error vocabulary of Baton. Every layer reports failures as a
// `baton::error` carrying one of these codes plus a message that names the
// file, stream, sequence or line involved. Foreign error types (rocksdb::Status,
// kj::Exception, errno) are translated at the boundary that meets them.
//
// DO NOT CHANGE THESE ENUM VALUES: they cross actor boundaries as integers and
// appear in recorded events.
#pragma once

#include <cstdint>
#include <string_view>

namespace baton {

enum class ec : uint8_t {
  /// Not an error.
  none = 0,
  /// A caller passed an argument outside the documented domain.
  invalid_argument = 1,
  /// An append's expected version did not match the stream's version.
  wrong_expected_version = 2,
  /// Stored data failed a checksum or could not be decoded.
  corruption = 3,
  /// The operating system or the storage engine reported an I/O failure.
  io_error = 4,
  /// The named thing (stream, snapshot, file) does not exist.
  not_found = 5,
  /// A directory exists but does not hold a Baton log.
  not_a_log = 6,
  /// The log was written by a newer schema version than this build reads.
  newer_schema = 7,
  /// Another process holds the log open for writing.
  locked = 8,
  /// The object was closed or has failed and accepts no more work.
  closed = 9,
  /// Input text (a plan, a pack, a recording) could not be parsed.
  parse_error = 10,
  /// A deadline passed before the awaited condition held.
  timeout = 11,
};

/// The name of `code`, e.g. "wrong_expected_version".
std::string_view to_string(ec code);

} // namespace baton
