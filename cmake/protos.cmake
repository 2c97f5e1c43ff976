# Generates C++ from the API protos, google.rpc status/error details (from Debian's
# golang-github-gogo-googleapis-dev) and the gRPC health proto (from grpc-proto).

set(CASES_GOOGLEAPIS_DIR /usr/share/gocode/src/github.com/gogo/googleapis
    CACHE PATH "Root holding google/rpc/*.proto")
set(CASES_GRPC_PROTO_DIR /usr/share/grpc-proto CACHE PATH "Root holding grpc/health/v1/health.proto")
set(CASES_PROTO_OUT ${CMAKE_BINARY_DIR}/gen)
file(MAKE_DIRECTORY ${CASES_PROTO_OUT})

# cases_generate(<out_srcs_var> ROOT <dir> PROTOS <rel paths...> [GRPC])
function(cases_generate out_var)
  cmake_parse_arguments(ARG "GRPC" "ROOT" "PROTOS" ${ARGN})
  set(srcs)
  foreach(rel IN LISTS ARG_PROTOS)
    string(REGEX REPLACE "\\.proto$" "" stem ${rel})
    set(outs ${CASES_PROTO_OUT}/${stem}.pb.cc ${CASES_PROTO_OUT}/${stem}.pb.h)
    set(args --cpp_out=${CASES_PROTO_OUT})
    if(ARG_GRPC)
      list(APPEND outs ${CASES_PROTO_OUT}/${stem}.grpc.pb.cc ${CASES_PROTO_OUT}/${stem}.grpc.pb.h)
      list(APPEND args --grpc_out=${CASES_PROTO_OUT}
           --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>)
    endif()
    add_custom_command(
      OUTPUT ${outs}
      COMMAND protobuf::protoc ARGS ${args} -I${ARG_ROOT} -I${CASES_GOOGLEAPIS_DIR}
              -I${Protobuf_INCLUDE_DIRS} ${ARG_ROOT}/${rel}
      DEPENDS ${ARG_ROOT}/${rel} protobuf::protoc
      COMMENT "protoc ${rel}"
      VERBATIM)
    foreach(o IN LISTS outs)
      if(o MATCHES "\\.cc$")
        list(APPEND srcs ${o})
      endif()
    endforeach()
  endforeach()
  set(${out_var} ${srcs} PARENT_SCOPE)
endfunction()

set(CASES_API_PROTOS
  soc/cases/v1/common.proto
  soc/cases/v1/tenancy_service.proto
  soc/cases/v1/case_service.proto
  soc/cases/v1/detection_service.proto
  soc/cases/v1/service_request_service.proto
  soc/cases/v1/automation_service.proto
  soc/cases/v1/activity_service.proto)

list(TRANSFORM CASES_API_PROTOS PREPEND ${CMAKE_SOURCE_DIR}/protos/ OUTPUT_VARIABLE CASES_API_PROTOS_ABS)
cases_generate(api_srcs ROOT ${CMAKE_SOURCE_DIR}/protos PROTOS ${CASES_API_PROTOS} GRPC)
cases_generate(rpc_srcs ROOT ${CASES_GOOGLEAPIS_DIR} PROTOS google/rpc/status.proto google/rpc/error_details.proto)

# The API and google.rpc types: what the server, the stores and the SDK share.
add_library(cases_proto STATIC ${api_srcs} ${rpc_srcs})
target_include_directories(cases_proto PUBLIC $<BUILD_INTERFACE:${CASES_PROTO_OUT}>)
target_link_libraries(cases_proto PUBLIC protobuf::libprotobuf gRPC::grpc++)
set_target_properties(cases_proto PROPERTIES POSITION_INDEPENDENT_CODE ON)

# health.proto as an object library linked into casesd itself: objects in a static
# library would be dropped by the linker and reflection could not describe grpc.health.v1.
cases_generate(health_srcs ROOT ${CASES_GRPC_PROTO_DIR} PROTOS grpc/health/v1/health.proto GRPC)
add_library(cases_health_proto OBJECT ${health_srcs})
target_link_libraries(cases_health_proto PUBLIC cases_proto)

# Server reflection, v1 and v1alpha, served by casesd's own implementation
# (server/reflection.cc) from a descriptor set that keeps the protos' comments;
# tests use the same stubs to list and describe services the way grpcurl does.
cases_generate(reflection_srcs ROOT ${CASES_GRPC_PROTO_DIR}
               PROTOS grpc/reflection/v1/reflection.proto grpc/reflection/v1alpha/reflection.proto GRPC)
add_library(cases_reflection_proto STATIC ${reflection_srcs})
target_link_libraries(cases_reflection_proto PUBLIC cases_proto)

# Every file casesd serves, with source info (comments), embedded in casesd.
set(CASES_DESCRIPTOR_SET ${CASES_PROTO_OUT}/cases_descriptors.pb)
set(CASES_DESCRIPTOR_SET_CC ${CASES_PROTO_OUT}/cases_descriptors.cc)
set(reflected_protos ${CASES_API_PROTOS_ABS} ${CASES_GRPC_PROTO_DIR}/grpc/health/v1/health.proto
    ${CASES_GRPC_PROTO_DIR}/grpc/reflection/v1/reflection.proto
    ${CASES_GRPC_PROTO_DIR}/grpc/reflection/v1alpha/reflection.proto)
add_custom_command(
  OUTPUT ${CASES_DESCRIPTOR_SET}
  COMMAND protobuf::protoc ARGS --include_source_info --include_imports
          --descriptor_set_out=${CASES_DESCRIPTOR_SET} -I${CMAKE_SOURCE_DIR}/protos
          -I${CASES_GRPC_PROTO_DIR} -I${CASES_GOOGLEAPIS_DIR} -I${Protobuf_INCLUDE_DIRS}
          ${reflected_protos}
  DEPENDS ${reflected_protos} protobuf::protoc
  COMMENT "descriptor set with source info"
  VERBATIM)
add_custom_command(
  OUTPUT ${CASES_DESCRIPTOR_SET_CC}
  COMMAND ${CMAKE_COMMAND} -DIN=${CASES_DESCRIPTOR_SET} -DOUT=${CASES_DESCRIPTOR_SET_CC}
          -P ${CMAKE_SOURCE_DIR}/cmake/embed_descriptors.cmake
  DEPENDS ${CASES_DESCRIPTOR_SET} ${CMAKE_SOURCE_DIR}/cmake/embed_descriptors.cmake
  COMMENT "embedding the descriptor set")
add_library(cases_descriptor_set STATIC ${CASES_DESCRIPTOR_SET_CC})
