// temp_dir: a fresh directory under $TMPDIR (or /tmp) for one test, removed
// with everything in it when the object goes away.
#pragma once

#include <string>

namespace baton::test {

class temp_dir {
public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  /// The directory's absolute path.
  const std::string& path() const {
    return path_;
  }

  /// path() + "/" + name.
  std::string operator/(const std::string& name) const {
    return path_ + "/" + name;
  }

private:
  std::string path_;
};

} // namespace baton::test
