#include "storage/detail/rocks_util.hpp"

#include <algorithm>
#include <filesystem>

#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>

#include "schema/envelope.capnp.h"
#include "storage/key_codec.hpp"

namespace fs = std::filesystem;

namespace baton::storage::detail {

namespace {

rocksdb::ColumnFamilyOptions events_cf_options() {
  rocksdb::ColumnFamilyOptions cf;
  cf.write_buffer_size = 64 << 20;
  return cf;
}

rocksdb::ColumnFamilyOptions ids_cf_options() {
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.whole_key_filtering = true;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.memtable_whole_key_filtering = true;
  cf.memtable_prefix_bloom_size_ratio = 0.1;
  cf.optimize_filters_for_hits = false;
  return cf;
}

} // namespace

std::string where(std::string_view stream, uint64_t sequence) {
  return "stream " + std::string{stream} + " sequence "
         + std::to_string(sequence);
}

error from_status(const rocksdb::Status& st, const std::string& context) {
  auto code = st.IsCorruption() ? ec::corruption : ec::io_error;
  return error{code, context + ": " + st.ToString()};
}

std::vector<rocksdb::ColumnFamilyDescriptor> descriptors() {
  return {
    {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions{}},
    {cf_events, events_cf_options()},
    {cf_positions, rocksdb::ColumnFamilyOptions{}},
    {cf_ids, ids_cf_options()},
    {cf_snapshots, rocksdb::ColumnFamilyOptions{}},
  };
}

bool only_rocksdb_leftovers(const std::string& dir) {
  std::error_code err;
  for (auto& entry : fs::directory_iterator{dir, err}) {
    auto name = entry.path().filename().string();
    auto starts = [&name](std::string_view p) { return name.rfind(p, 0) == 0; };
    auto ends = [&name](std::string_view x) {
      return name.size() >= x.size()
             && name.compare(name.size() - x.size(), x.size(), x) == 0;
    };
    if (!(name == "LOCK" || name == "IDENTITY" || starts("LOG")
          || starts("OPTIONS-") || starts("MANIFEST-") || ends(".log")
          || ends(".sst") || ends(".dbtmp")))
      return false;
  }
  return !err;
}

std::string format_value() {
  return "baton-log/" + std::to_string(schema::CURRENT_SCHEMA_VERSION);
}

bool subset_of_ours(const std::vector<std::string>& names) {
  auto ours = descriptors();
  for (auto& n : names)
    if (std::none_of(ours.begin(), ours.end(),
                     [&n](auto& d) { return d.name == n; }))
      return false;
  return true;
}

} // namespace baton::storage::detail
