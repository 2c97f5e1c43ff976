#include "server/static_files.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace cases::server {

namespace fs = std::filesystem;

std::string ContentTypeOfFile(absl::string_view name) {
  constexpr std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (const auto& [extension, type] : kTypes) {
    if (absl::EndsWith(name, extension)) {
      return type;
    }
  }
  return "application/octet-stream";
}

absl::StatusOr<StaticFiles> StaticFiles::Load(const std::string& dir, size_t max_bytes) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return absl::NotFoundError(absl::StrCat("console directory ", dir, " is not a directory"));
  }
  StaticFiles files;
  size_t total = 0;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) {
      continue;
    }
    std::ifstream in(it->path(), std::ios::binary);
    std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      return absl::UnavailableError(absl::StrCat("cannot read ", it->path().string()));
    }
    total += body.size();
    if (total > max_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("console directory ", dir, " holds over ", max_bytes, " bytes"));
    }
    const std::string relative = fs::relative(it->path(), dir).generic_string();
    files.files_[relative] = StaticFile{ContentTypeOfFile(relative), std::move(body)};
  }
  if (ec) {
    return absl::UnavailableError(absl::StrCat("cannot list ", dir, ": ", ec.message()));
  }
  return files;
}

const StaticFile* StaticFiles::Find(absl::string_view relative_path) const {
  absl::ConsumePrefix(&relative_path, "/");
  if (relative_path.empty()) {
    relative_path = "index.html";
  }
  const auto it = files_.find(relative_path);
  return it == files_.end() ? nullptr : &it->second;
}

std::string DefaultConsoleDir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) {
    return "";
  }
  for (const fs::path& candidate : {exe.parent_path() / "console",
                                    exe.parent_path() / ".." / "share" / "soc-cases" / "console"}) {
    if (fs::is_directory(candidate, ec)) {
      return fs::weakly_canonical(candidate, ec).string();
    }
  }
  return "";
}

}  // namespace cases::server
