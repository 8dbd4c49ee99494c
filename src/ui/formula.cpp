// formula.cpp: the typesetter of formula.h: markup -> a tree of nodes -> boxes and draw ops.
// Proportions follow TeX's display style loosely (scripts at 70 %, fractions at 90 % around a
// math axis 0.3 em above the baseline), tuned by eye at the sizes the app uses (13-26 px).
#include "ui/formula.h"
#include <algorithm>
#include <cctype>

namespace attn::ui {

namespace {

struct Node {
  enum Kind { Text, Row, Frac, Sqrt, Script, BigOp } kind = Row;
  std::string text;         // Text: the characters; BigOp: the operator ("Σ", "max")
  std::vector<Node> kids;   // Row: in order; Frac: num, den; Sqrt: body; Script: base, sub, sup; BigOp: below, above
};

Node text_node(const std::string& s) { return Node{Node::Text, s, {}}; }
Node empty_row() { return Node{}; }
bool is_empty(const Node& n) { return (n.kind == Node::Row && n.kids.empty()) || (n.kind == Node::Text && n.text.empty()); }

size_t utf8_len(unsigned char c) { return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4; }

struct Parser {
  const std::string& s;
  size_t i = 0;

  // one argument of \frac, \sqrt, _ or ^: a {group} or a single character
  Node arg() {
    if (i >= s.size()) return empty_row();
    if (s[i] == '{') {
      i++;
      return row(true);
    }
    if (s[i] == '\\') return command();
    size_t n = std::min(utf8_len(static_cast<unsigned char>(s[i])), s.size() - i);
    Node t = text_node(s.substr(i, n));
    i += n;
    return t;
  }

  Node command() {
    i++;  // the backslash
    if (i >= s.size()) return text_node("\\");
    if (!std::isalpha(static_cast<unsigned char>(s[i]))) return text_node(std::string(1, s[i++]));  // \{ \} \_ \^ \\ .
    size_t j = i;
    while (j < s.size() && std::isalpha(static_cast<unsigned char>(s[j]))) j++;
    const std::string name = s.substr(i, j - i);
    i = j;
    if (name == "frac") {
      Node f{Node::Frac, "", {}};
      f.kids.push_back(arg());
      f.kids.push_back(arg());
      return f;
    }
    if (name == "sqrt") return Node{Node::Sqrt, "", {arg()}};
    if (name == "sum") return Node{Node::BigOp, "Σ", {empty_row(), empty_row()}};
    if (name == "max" || name == "min") return Node{Node::BigOp, name, {empty_row(), empty_row()}};
    return text_node(name);  // \exp, \tanh, ...: the name as text
  }

  // attaches a sub- (which = 1) or superscript (2) to the last node of r
  void script(Node* r, int which) {
    Node a = arg();
    if (r->kids.empty()) r->kids.push_back(text_node(""));
    Node& last = r->kids.back();
    if (last.kind == Node::BigOp) {
      last.kids[size_t(which - 1)] = a;
      return;
    }
    if (last.kind == Node::Script && is_empty(last.kids[size_t(which)])) {
      last.kids[size_t(which)] = a;
      return;
    }
    Node base;
    if (last.kind == Node::Text) {  // the script belongs to the last character only
      size_t k = last.text.size();
      while (k > 0 && (static_cast<unsigned char>(last.text[k - 1]) & 0xC0) == 0x80) k--;
      if (k > 0) k--;
      base = text_node(last.text.substr(k));
      last.text.erase(k);
      if (last.text.empty()) r->kids.pop_back();
    } else {
      base = last;
      r->kids.pop_back();
    }
    Node sc{Node::Script, "", {base, empty_row(), empty_row()}};
    sc.kids[size_t(which)] = a;
    r->kids.push_back(sc);
  }

  Node row(bool in_group) {
    Node r;
    auto add_text = [&](const std::string& t) {
      if (!r.kids.empty() && r.kids.back().kind == Node::Text) r.kids.back().text += t;
      else r.kids.push_back(text_node(t));
    };
    while (i < s.size()) {
      const char c = s[i];
      if (c == '}') {
        i++;
        if (in_group) return r;
        add_text("}");  // a stray brace is a character
      } else if (c == '{') {
        i++;
        r.kids.push_back(row(true));
      } else if (c == '\\') {
        Node n = command();
        if (n.kind == Node::Text) add_text(n.text);
        else r.kids.push_back(n);
      } else if (c == '_' || c == '^') {
        i++;
        script(&r, c == '_' ? 1 : 2);
      } else {
        size_t n = std::min(utf8_len(static_cast<unsigned char>(c)), s.size() - i);
        add_text(s.substr(i, n));
        i += n;
      }
    }
    return r;  // end of input (an unclosed group ends here)
  }
};

void place(const FormulaBox& b, float dx, float dy, FormulaBox* into) {
  for (FormulaOp op : b.ops) {
    op.x += dx;
    op.y += dy;
    op.x1 += dx;
    op.y1 += dy;
    into->ops.push_back(std::move(op));
  }
}

FormulaBox line_box(float x0, float y0, float x1, float y1, float thick) {
  FormulaBox b;
  FormulaOp op;
  op.kind = FormulaOp::Line;
  op.x = x0;
  op.y = y0;
  op.x1 = x1;
  op.y1 = y1;
  op.size = thick;
  b.ops.push_back(op);
  return b;
}

FormulaBox layout(const Node& n, const TextMeasure& m, float size) {
  FormulaBox b;
  const float script_size = size * 0.7f;
  switch (n.kind) {
    case Node::Text: {
      b.w = m.width(n.text, size);
      b.asc = m.ascent * size;
      b.desc = m.descent * size;
      FormulaOp op;
      op.text = n.text;
      op.size = size;
      b.ops.push_back(op);
      break;
    }
    case Node::Row: {
      for (const Node& k : n.kids) {
        FormulaBox kb = layout(k, m, size);
        place(kb, b.w, 0, &b);
        b.w += kb.w;
        b.asc = std::max(b.asc, kb.asc);
        b.desc = std::max(b.desc, kb.desc);
      }
      break;
    }
    case Node::Script: {
      FormulaBox base = layout(n.kids[0], m, size);
      place(base, 0, 0, &b);
      b.w = base.w;
      b.asc = base.asc;
      b.desc = base.desc;
      const bool has_sub = !is_empty(n.kids[1]), has_sup = !is_empty(n.kids[2]);
      float extra = 0;
      if (has_sup) {
        FormulaBox sup = layout(n.kids[2], m, script_size);
        const float up = std::max(0.42f * size, base.asc - 0.55f * sup.asc);  // sup's baseline above ours
        place(sup, base.w + 0.04f * size, -up, &b);
        b.asc = std::max(b.asc, up + sup.asc);
        b.desc = std::max(b.desc, sup.desc - up);
        extra = std::max(extra, sup.w);
      }
      if (has_sub) {
        FormulaBox sub = layout(n.kids[1], m, script_size);
        const float down = has_sup ? 0.3f * size : 0.22f * size;  // sub's baseline below ours
        place(sub, base.w + 0.02f * size, down, &b);
        b.desc = std::max(b.desc, down + sub.desc);
        b.asc = std::max(b.asc, sub.asc - down);
        extra = std::max(extra, sub.w);
      }
      b.w += extra + 0.06f * size;
      break;
    }
    case Node::Frac: {
      const float fs = std::max(size * 0.9f, 6.0f);
      FormulaBox num = layout(n.kids[0], m, fs), den = layout(n.kids.size() > 1 ? n.kids[1] : empty_row(), m, fs);
      const float axis = 0.3f * size, gap = 0.14f * size, thick = std::max(1.0f, 0.06f * size), pad = 0.12f * size;
      b.w = std::max(num.w, den.w) + 2 * pad;
      place(num, (b.w - num.w) * 0.5f, -axis - gap - num.desc, &b);
      place(den, (b.w - den.w) * 0.5f, -axis + gap + den.asc, &b);
      place(line_box(pad * 0.5f, -axis, b.w - pad * 0.5f, -axis, thick), 0, 0, &b);
      b.asc = axis + gap + num.desc + num.asc;
      b.desc = std::max(0.0f, gap + den.asc + den.desc - axis);
      break;
    }
    case Node::Sqrt: {
      FormulaBox body = layout(n.kids[0], m, size);
      const float r = 0.55f * size, gap = 0.12f * size, thick = std::max(1.0f, 0.06f * size);
      const float top = -(body.asc + gap), bottom = body.desc;
      place(body, r + 0.05f * size, 0, &b);
      // the radical: a short stroke down to the bottom, a long one up to the bar, then the bar
      place(line_box(0.0f, -0.35f * size, 0.35f * r, bottom, thick), 0, 0, &b);
      place(line_box(0.35f * r, bottom, r, top, thick), 0, 0, &b);
      place(line_box(r, top, r + 0.05f * size + body.w + 0.08f * size, top, thick), 0, 0, &b);
      b.w = r + 0.05f * size + body.w + 0.14f * size;
      b.asc = -top + thick;
      b.desc = std::max(body.desc, bottom);
      break;
    }
    case Node::BigOp: {
      const bool sigma = n.text == "Σ";
      const float os = sigma ? size * 1.35f : size;
      FormulaBox op = layout(text_node(n.text), m, os);
      // Σ is centred on the math axis, as in print; "max" sits on the baseline
      const float drop = sigma ? 0.5f * (op.asc - op.desc) - 0.3f * size : 0.0f;
      const bool has_below = !is_empty(n.kids[0]), has_above = !is_empty(n.kids[1]);
      FormulaBox below = layout(n.kids[0], m, script_size), above = layout(n.kids[1], m, script_size);
      const float gap = 0.08f * size;
      b.w = std::max({op.w, has_below ? below.w : 0.0f, has_above ? above.w : 0.0f}) + 0.1f * size;
      place(op, (b.w - op.w) * 0.5f, drop, &b);
      b.asc = op.asc - drop;
      b.desc = op.desc + drop;
      if (has_below) {
        place(below, (b.w - below.w) * 0.5f, b.desc + gap + below.asc, &b);
        b.desc += gap + below.asc + below.desc;
      }
      if (has_above) {
        place(above, (b.w - above.w) * 0.5f, -(b.asc + gap + above.desc), &b);
        b.asc += gap + above.asc + above.desc;
      }
      b.w += 0.08f * size;  // a little air before what it sums
      break;
    }
  }
  return b;
}

std::string plain(const Node& n) {
  auto wrap = [](const std::string& s) {
    return s.find_first_of(" +−-/") == std::string::npos ? s : "(" + s + ")";
  };
  switch (n.kind) {
    case Node::Text: return n.text;
    case Node::Row: {
      std::string s;
      for (const Node& k : n.kids) s += plain(k);
      return s;
    }
    case Node::Frac: return wrap(plain(n.kids[0])) + "/" + wrap(n.kids.size() > 1 ? plain(n.kids[1]) : "");
    case Node::Sqrt: return "√" + wrap(plain(n.kids[0]));
    case Node::Script: {
      std::string s = plain(n.kids[0]);
      if (!is_empty(n.kids[1])) s += "_" + plain(n.kids[1]);
      if (!is_empty(n.kids[2])) s += "^" + wrap(plain(n.kids[2]));
      return s;
    }
    case Node::BigOp: {
      std::string s = n.text;
      if (!is_empty(n.kids[0])) s += "_" + plain(n.kids[0]);
      if (!is_empty(n.kids[1])) s += "^" + plain(n.kids[1]);
      return s;
    }
  }
  return "";
}

Node parse(const std::string& markup) {
  Parser p{markup};
  return p.row(false);
}

}  // namespace

FormulaBox typeset(const std::string& markup, const TextMeasure& m, float size) {
  return layout(parse(markup), m, size);
}

std::string formula_plain(const std::string& markup) { return plain(parse(markup)); }

}  // namespace attn::ui
