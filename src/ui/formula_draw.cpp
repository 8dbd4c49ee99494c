// formula_draw.cpp: draws a typeset formula (formula.h) with ImGui's draw lists and the embedded
// fonts, at the cursor, as one item. Too wide for the space left: drawn smaller (down to 60 %),
// then wrapped at its top-level spaces is not attempted: the formula stays whole.
#include <algorithm>
#include <cfloat>
#include "ui/formula.h"
#include "ui/ui.h"

namespace attn::ui {

namespace {
TextMeasure measure_of(ImFont* font) {
  TextMeasure m;
  m.width = [font](const std::string& s, float size) { return font->CalcTextSizeA(size, FLT_MAX, 0, s.c_str()).x; };
  m.ascent = font->Ascent / font->FontSize;
  m.descent = -font->Descent / font->FontSize;  // ImGui's descent is negative
  return m;
}
}  // namespace

FormulaBox draw_formula(const std::string& markup, ImFont* font, float size, ImU32 col, float max_w) {
  const TextMeasure m = measure_of(font);
  FormulaBox b = typeset(markup, m, size);
  if (max_w > 0 && b.w > max_w) b = typeset(markup, m, std::max(size * 0.6f, size * max_w / b.w));
  const ImVec2 p = ImGui::GetCursorScreenPos();
  const float base = p.y + b.asc;  // the formula's baseline on screen
  ImDrawList* dl = ImGui::GetWindowDrawList();
  for (const FormulaOp& op : b.ops) {
    if (op.kind == FormulaOp::Line) {
      dl->AddLine(ImVec2(p.x + op.x, base + op.y), ImVec2(p.x + op.x1, base + op.y1), col, op.size);
    } else if (!op.text.empty()) {
      // AddText takes the top of the line: the baseline minus the font's ascent at this size
      dl->AddText(font, op.size, ImVec2(p.x + op.x, base + op.y - m.ascent * op.size), col, op.text.c_str());
    }
  }
  ImGui::Dummy(ImVec2(b.w, b.height()));
  return b;
}

}  // namespace attn::ui
