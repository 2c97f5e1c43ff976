# Writes a C++ source holding every sql/migrations/NNNN_name.sql, in order, so
# `casesd migrate` needs no files beside the binary. Run with cmake -P and
# -DSRC_DIR=<migrations dir> -DOUT=<output .cc>.
file(GLOB files RELATIVE ${SRC_DIR} ${SRC_DIR}/*.sql)
list(SORT files)
set(body "")
foreach(f IN LISTS files)
  if(NOT f MATCHES "^([0-9][0-9][0-9][0-9])_([a-z0-9_]+)\\.sql$")
    message(FATAL_ERROR "migration file name must be NNNN_name.sql: ${f}")
  endif()
  set(version ${CMAKE_MATCH_1})
  set(name ${CMAKE_MATCH_2})
  string(REGEX REPLACE "^0+" "" version "${version}")
  file(READ ${SRC_DIR}/${f} text)
  string(APPEND body "    {${version}, \"${name}\", R\"cases_sql(${text})cases_sql\"},\n")
endforeach()
file(WRITE ${OUT}.tmp "// Generated from sql/migrations by cmake/embed_migrations.cmake. Do not edit.
#include \"sql/migrate.h\"

namespace cases::sql {

const std::vector<Migration>& AllMigrations() {
  static const std::vector<Migration> kMigrations = {
${body}  };
  return kMigrations;
}

}  // namespace cases::sql
")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
