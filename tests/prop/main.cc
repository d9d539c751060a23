// The property tests (rapidcheck inside doctest test cases). Each TEST_CASE is one
// property; ctest runs them in parallel. RC_PARAMS sets the case count and seed, e.g.
//   RC_PARAMS="max_success=500 seed=42" ./banksim_props -tc='*replay*'
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
