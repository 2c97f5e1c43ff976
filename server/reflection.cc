#include "server/reflection.h"

#include <set>

#include "google/protobuf/descriptor.pb.h"

namespace cases::server {

extern const char kDescriptorSet[];
extern const size_t kDescriptorSetSize;

namespace {

constexpr int kNotFound = 5;  // grpc::StatusCode::NOT_FOUND, as reflection's error_code

// One request → one response; v1 and v1alpha have the same fields.
template <typename Request, typename Response>
void Answer(const DescriptorIndex& index, const Request& request, Response* response) {
  response->set_valid_host(request.host());
  *response->mutable_original_request() = request;
  std::vector<std::string> files;
  auto not_found = [&](const std::string& what) {
    response->mutable_error_response()->set_error_code(kNotFound);
    response->mutable_error_response()->set_error_message(what + " not found");
  };
  switch (request.message_request_case()) {
    case Request::kFileByFilename:
      files = index.FileByName(request.file_by_filename());
      break;
    case Request::kFileContainingSymbol:
      files = index.FileContainingSymbol(request.file_containing_symbol());
      break;
    case Request::kAllExtensionNumbersOfType:
      if (!index.HasMessage(request.all_extension_numbers_of_type())) {
        return not_found("type " + request.all_extension_numbers_of_type());
      }
      // No extensions are declared in the served files.
      response->mutable_all_extension_numbers_response()->set_base_type_name(
          request.all_extension_numbers_of_type());
      return;
    case Request::kListServices:
      for (const std::string& name : index.services()) {
        response->mutable_list_services_response()->add_service()->set_name(name);
      }
      return;
    default:  // file_containing_extension: none declared
      return not_found("extension");
  }
  if (files.empty()) {
    return not_found("file or symbol");
  }
  for (std::string& f : files) {
    response->mutable_file_descriptor_response()->add_file_descriptor_proto(std::move(f));
  }
}

template <typename Request, typename Response>
grpc::Status Serve(const DescriptorIndex& index,
                   grpc::ServerReaderWriter<Response, Request>* stream) {
  Request request;
  while (stream->Read(&request)) {
    Response response;
    Answer(index, request, &response);
    if (!stream->Write(response)) {
      break;
    }
  }
  return grpc::Status::OK;
}

}  // namespace

DescriptorIndex::DescriptorIndex(std::vector<std::string> services)
    : services_(std::move(services)) {
  google::protobuf::FileDescriptorSet set;
  set.ParseFromArray(kDescriptorSet, static_cast<int>(kDescriptorSetSize));
  // --include_imports lists every file after its imports, so each builds in order.
  for (const auto& file : set.file()) {
    files_[file.name()] = file.SerializeAsString();
    pool_.BuildFile(file);
  }
}

std::vector<std::string> DescriptorIndex::FileByName(const std::string& name) const {
  const google::protobuf::FileDescriptor* root = pool_.FindFileByName(name);
  if (root == nullptr) {
    return {};
  }
  // The file first, then its imports, each once.
  std::vector<std::string> out;
  std::set<std::string> seen;
  std::vector<const google::protobuf::FileDescriptor*> pending = {root};
  while (!pending.empty()) {
    const auto* file = pending.back();
    pending.pop_back();
    if (!seen.insert(file->name()).second) {
      continue;
    }
    out.push_back(files_.at(file->name()));
    for (int i = 0; i < file->dependency_count(); ++i) {
      pending.push_back(file->dependency(i));
    }
  }
  return out;
}

std::vector<std::string> DescriptorIndex::FileContainingSymbol(const std::string& symbol) const {
  const google::protobuf::FileDescriptor* file = pool_.FindFileContainingSymbol(symbol);
  return file == nullptr ? std::vector<std::string>() : FileByName(file->name());
}

bool DescriptorIndex::HasMessage(const std::string& full_name) const {
  return pool_.FindMessageTypeByName(full_name) != nullptr;
}

grpc::Status ReflectionV1::ServerReflectionInfo(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<grpc::reflection::v1::ServerReflectionResponse,
                             grpc::reflection::v1::ServerReflectionRequest>* stream) {
  return Serve(*index_, stream);
}

grpc::Status ReflectionV1Alpha::ServerReflectionInfo(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<grpc::reflection::v1alpha::ServerReflectionResponse,
                             grpc::reflection::v1alpha::ServerReflectionRequest>* stream) {
  return Serve(*index_, stream);
}

}  // namespace cases::server
