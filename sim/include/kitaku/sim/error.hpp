#pragma once
// Error types thrown at I/O boundaries. The CLI prints what() and exits non-zero.
#include <stdexcept>
#include <string>
#include <string_view>

namespace kitaku {

/// Bad input: names the file, the place in it (line, layer, feature, key) and the problem.
/// what() reads "FILE: PLACE: PROBLEM" (PLACE omitted when empty).
class InputError : public std::runtime_error {
 public:
  InputError(std::string file, std::string place, std::string problem)
      : std::runtime_error(compose(file, place, problem)),
        file_(std::move(file)), place_(std::move(place)), problem_(std::move(problem)) {}
  const std::string& file() const noexcept { return file_; }
  const std::string& place() const noexcept { return place_; }
  const std::string& problem() const noexcept { return problem_; }

 private:
  static std::string compose(const std::string& f, const std::string& p, const std::string& what) {
    return f + ": " + (p.empty() ? std::string() : p + ": ") + what;
  }
  std::string file_, place_, problem_;
};

/// `s` with control bytes (below 0x20 but tab, and 0x7F) and bytes that are
/// not UTF-8 written as \xHH: an error quoting a binary file's text cannot drive the
/// terminal. Valid UTF-8 (Japanese names) is kept as it is.
std::string printable(std::string_view s);

/// A broken internal invariant (validate(network) and friends): names the invariant.
class InvariantError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

}  // namespace kitaku
