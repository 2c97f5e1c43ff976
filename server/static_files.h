// The reference console's files (web/, bundled by esbuild), read into memory once
// at startup and served by the HTTP bridge under /console/. Requests are looked up
// in the map, never on disk, so no request path can reach another file.
#ifndef CASES_SERVER_STATIC_FILES_H_
#define CASES_SERVER_STATIC_FILES_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cases::server {

struct StaticFile {
  std::string content_type;
  std::string body;
};

class StaticFiles {
 public:
  // Every regular file under `dir` (at most `max_bytes` in all), keyed by its path
  // relative to `dir` ("index.html", "app.js"). NOT_FOUND when `dir` is not a
  // directory; RESOURCE_EXHAUSTED when the files are over `max_bytes`.
  static absl::StatusOr<StaticFiles> Load(const std::string& dir, size_t max_bytes = 32 << 20);

  // The file a request path under the mount names: "" and "/" name index.html.
  const StaticFile* Find(absl::string_view relative_path) const;
  size_t size() const { return files_.size(); }

 private:
  std::map<std::string, StaticFile, std::less<>> files_;
};

// Where casesd looks for the console when --console_dir is not set: "console" next
// to its own executable (the build tree), then ../share/soc-cases/console (an
// installed layout). Empty when neither is a directory.
std::string DefaultConsoleDir();

// The content type of a file name by its extension (application/octet-stream when unknown).
std::string ContentTypeOfFile(absl::string_view name);

}  // namespace cases::server

#endif  // CASES_SERVER_STATIC_FILES_H_
