// test_matrix_text.cpp: CSV / JSON / NumPy text export and CSV / JSON import.
#include <doctest.h>
#include <limits>
#include "io/matrix_text.h"

using namespace attn;

TEST_CASE("CSV and JSON round trip exactly, -inf included in the writers") {
  Mat m(2, 3);
  m << 1.0f, -0.333333343f, 3.5e-8f, 1e30f, 0.1f, -2.0f;
  Mat back;
  std::string err;
  REQUIRE(parse_csv(to_csv(m), &back, &err));
  CHECK(back == m);
  REQUIRE(parse_json_matrix(to_json(m, "weights"), &back, &err));
  CHECK(back == m);
  Mat inf = m;
  inf(0, 1) = -std::numeric_limits<float>::infinity();
  CHECK(to_csv(inf).find("-inf") != std::string::npos);
  CHECK(to_json(inf, "masked").find("null") != std::string::npos);
  CHECK(to_numpy(inf, "masked h1").find("masked_h1 = np.array([") != std::string::npos);
  CHECK(to_numpy(inf, "x").find("-np.inf") != std::string::npos);
  CHECK(to_numpy(m, "x").find("shape (2, 3)") != std::string::npos);
}

TEST_CASE("CSV and JSON imports name the position of what is wrong") {
  Mat m;
  std::string err;
  CHECK(parse_csv("1,2\n3;4\r\n\n5\t6\n", &m, &err));
  CHECK(m.rows() == 3);
  CHECK(m(2, 1) == 6.0f);
  CHECK_FALSE(parse_csv("1,2\n3,x\n", &m, &err));
  CHECK(err == "line 2, column 2: 'x' is not a number");
  CHECK_FALSE(parse_csv("1,2\n3\n", &m, &err));
  CHECK(err == "row 2 has 1 values but row 1 has 2");
  CHECK_FALSE(parse_csv("1,nan\n", &m, &err));
  CHECK(err.find("NaN") != std::string::npos);
  CHECK_FALSE(parse_csv("", &m, &err));
  CHECK(parse_json_matrix("{\"shape\": [1, 2], \"data\": [[1, 2.5]]}", &m, &err));
  CHECK(m(0, 1) == 2.5f);
  CHECK_FALSE(parse_json_matrix("[[1, 2], [3, \"a\"]]", &m, &err));
  CHECK(err.find("row 2, column 2") != std::string::npos);
  CHECK_FALSE(parse_json_matrix("[[1, 2], [3, 4]", &m, &err));
  CHECK_FALSE(parse_json_matrix("[[1e999]]", &m, &err));
  CHECK_FALSE(parse_json_matrix("{}", &m, &err));
}
