# The synthetic finding generator (FindingGenerator) and its data tables; paths are relative to
# src/findings. country_codes.cc is listed in CMakeLists.txt itself.
set(VIGIL_GENERATOR_SOURCES
  generator.cc
  generator_actions.cc
  generator_details.cc
  generator_resources.cc
  generator_text.cc
  generator_types.cc
  generator_util.cc
  generator_workloads.cc
  geo_table.cc
)
set(VIGIL_GENERATOR_TESTS
  generator_test.cc
  country_codes_test.cc
)
