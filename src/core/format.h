// format.h: the project's number formatters, one of each kind, for every room (no Eigen: the
// trained model's files include it too). Messages, the URL, config.json, the CLI and the UI all
// write numbers through these, so one value reads the same everywhere.
#pragma once
#include <string>

namespace attn {

// decimals after the point, with a real minus sign and ∞ ("−0.42", "3.96", "−∞"); a negative
// zero is written 0 ("-0.00" reads as a sign where there is none)
std::string fixed_text(double v, int decimals);
// digits significant figures, printf's %g ("0.00123", "1.5e+06"); nan and inf as printf has them
std::string sig_text(double v, int digits);
// the shortest decimal text that reads back to the same double ("0.1", "1e-05", "0.30000000000000004")
std::string shortest_text(double v);

}  // namespace attn
