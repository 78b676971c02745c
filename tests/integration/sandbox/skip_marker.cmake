# A sandbox test that cannot run here (not root, no cgroups) says "SKIPPED: <reason>";
# CTest then reports it as skipped instead of passed.
if(integration_sandbox_TESTS)
  set_tests_properties(${integration_sandbox_TESTS} PROPERTIES SKIP_REGULAR_EXPRESSION "SKIPPED: ")
endif()
