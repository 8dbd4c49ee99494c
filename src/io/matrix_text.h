// matrix_text.h: matrices as CSV, JSON and NumPy source text, and back (CSV, JSON).
// Parsers are boundaries: they return a message naming the line/row and column at fault.
#pragma once
#include <string>
#include "engine/tensor.h"

namespace attn {

std::string to_csv(const Mat& m);                      // one row per line, -inf as "-inf"
std::string to_json(const Mat& m, const std::string& name);  // {"name":..,"shape":[r,c],"data":[[..]]}, -inf as null
std::string to_numpy(const Mat& m, const std::string& name); // "import numpy as np\nname = np.array([...])"

// Numbers only, comma/semicolon/tab separated, equal row lengths, finite values.
bool parse_csv(const std::string& text, Mat* out, std::string* err);
// [[..],[..]] or {"data": [[..]]}; finite numbers, equal row lengths.
bool parse_json_matrix(const std::string& text, Mat* out, std::string* err);

constexpr int kMaxImportDim = 4096;

}  // namespace attn
