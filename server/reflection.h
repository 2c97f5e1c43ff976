// gRPC server reflection, v1 and v1alpha, from a descriptor set embedded in
// casesd that keeps the protos' comments (protoc --include_source_info), so
// grpcurl and buf curl `describe` show which fields are required and which
// filter fields exist. gRPC's own plugin serves only v1alpha, without comments.
#ifndef CASES_SERVER_REFLECTION_H_
#define CASES_SERVER_REFLECTION_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"

namespace cases::server {

// The served files: serialized FileDescriptorProtos by name, and a pool to find
// which file declares a symbol.
class DescriptorIndex {
 public:
  // From the embedded set; `services` are the full names ListServices answers.
  explicit DescriptorIndex(std::vector<std::string> services);

  const std::vector<std::string>& services() const { return services_; }
  // The file and everything it imports, serialized; empty when unknown.
  std::vector<std::string> FileByName(const std::string& name) const;
  std::vector<std::string> FileContainingSymbol(const std::string& symbol) const;
  bool HasMessage(const std::string& full_name) const;

 private:
  std::vector<std::string> services_;
  std::map<std::string, std::string> files_;
  google::protobuf::DescriptorPool pool_;
};

class ReflectionV1 final : public grpc::reflection::v1::ServerReflection::Service {
 public:
  explicit ReflectionV1(const DescriptorIndex* index) : index_(index) {}
  grpc::Status ServerReflectionInfo(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<grpc::reflection::v1::ServerReflectionResponse,
                               grpc::reflection::v1::ServerReflectionRequest>* stream) override;

 private:
  const DescriptorIndex* index_;
};

class ReflectionV1Alpha final : public grpc::reflection::v1alpha::ServerReflection::Service {
 public:
  explicit ReflectionV1Alpha(const DescriptorIndex* index) : index_(index) {}
  grpc::Status ServerReflectionInfo(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<grpc::reflection::v1alpha::ServerReflectionResponse,
                               grpc::reflection::v1alpha::ServerReflectionRequest>* stream)
      override;

 private:
  const DescriptorIndex* index_;
};

}  // namespace cases::server

#endif  // CASES_SERVER_REFLECTION_H_
