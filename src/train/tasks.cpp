// tasks.cpp: the task generators. Every draw comes from the project's Rng, so a seed gives the
// same examples natively, in wasm and in the CLI.
#include "train/tasks.h"
#include <algorithm>
#include <cstdlib>

namespace attn::train {

namespace {

constexpr int kHeldout = 512;  // held-out examples of the random tasks

uint64_t key_of(const int* x, int n) {
  uint64_t h = 1469598103934665603ull;
  for (int i = 0; i < n; i++) { h ^= uint64_t(uint32_t(x[i])) + 0x9E37u; h *= 1099511628211ull; }
  return h;
}

int below(Rng* rng, int n) { return int(rng->next() % uint64_t(n)); }

// One example into row r of batch (x, y, w already sized B*T).
void put(Batch* b, int r, const std::vector<int>& seq, int first_scored, int last_scored, bool next_token) {
  const int T = b->T;
  for (int t = 0; t < T; t++) {
    const size_t i = size_t(r) * T + t;
    b->x[i] = seq[size_t(t)];
    b->y[i] = next_token ? seq[size_t(t) + 1] : 0;
    b->w[i] = t >= first_scored && t <= last_scored ? 1.0f : 0.0f;
  }
}

// One random example of each task into row r of b (modadd's come from its table instead).
void draw_copy(const Task& task, Rng* rng, Batch* b, int r) {  // copy and reverse
  const bool copy = task.opt.name == "copy";
  const int k = task.opt.k, digits = task.vocab - 1;
  std::vector<int> seq;
  for (int i = 0; i < k; i++) seq.push_back(below(rng, digits));
  seq.push_back(digits);  // '|'
  for (int i = 0; i < k; i++) seq.push_back(copy ? seq[size_t(i)] : seq[size_t(k - 1 - i)]);
  put(b, r, seq, k, 2 * k - 1, true);
}

// six digits from {0,1,2}, then the same sorted
std::vector<int> sort_example(std::vector<int> seq) {
  std::vector<int> s(seq);
  std::sort(s.begin(), s.end());
  seq.insert(seq.end(), s.begin(), s.end());
  return seq;
}

void draw_sort(const Task&, Rng* rng, Batch* b, int r) {
  std::vector<int> seq;
  for (int i = 0; i < 6; i++) seq.push_back(below(rng, 3));
  put(b, r, sort_example(seq), 5, 10, true);
}

void draw_induction(const Task& task, Rng* rng, Batch* b, int r) {
  // a block of m distinct tokens (m in [T/4, T/2]) repeated: at t >= m the token's last
  // occurrence at t - m is followed by the answer, which only an induction circuit can look up
  const int T = task.seq;
  const int lo = std::max(2, T / 4), hi = std::max(lo, T / 2);
  const int m = lo + below(rng, hi - lo + 1);
  std::vector<int> pool(size_t(task.vocab));
  for (int i = 0; i < task.vocab; i++) pool[size_t(i)] = i;
  std::vector<int> block, seq;
  for (int i = 0; i < m; i++) {
    if (pool.empty()) { block.push_back(below(rng, task.vocab)); continue; }
    const int j = below(rng, int(pool.size()));
    block.push_back(pool[size_t(j)]);
    pool.erase(pool.begin() + j);
  }
  for (int t = 0; t <= T; t++) seq.push_back(block[size_t(t % m)]);
  put(b, r, seq, m, T - 1, true);
}

void draw_histogram(const Task& task, Rng* rng, Batch* b, int r) {
  const int T = task.seq, sym = task.opt.vocab;
  std::vector<int> seq;
  for (int t = 0; t < T; t++) seq.push_back(below(rng, sym));
  put(b, r, seq, 0, T - 1, false);
  for (int t = 0; t < T; t++) {
    int count = 0;
    for (int u = 0; u < T; u++) count += seq[size_t(u)] == seq[size_t(t)];
    b->y[size_t(r) * T + t] = count;
  }
}

void modadd_example(const Task& task, int a, int c, Batch* b, int r) {
  const int p = task.opt.p;
  put(b, r, {a, c, p, (a + c) % p}, 2, 2, true);
}

void resize(Batch* b, int B, int T) {
  b->B = B;
  b->T = T;
  b->x.assign(size_t(B) * T, 0);
  b->y.assign(size_t(B) * T, 0);
  b->w.assign(size_t(B) * T, 0.0f);
}

// Splits examples (as rows of one big batch) into batches of up to 256.
std::vector<Batch> split(const Batch& all) {
  std::vector<Batch> out;
  for (int r0 = 0; r0 < all.B; r0 += 256) {
    Batch b;
    const int n = std::min(256, all.B - r0);
    resize(&b, n, all.T);
    const size_t o = size_t(r0) * all.T, len = size_t(n) * all.T;
    std::copy_n(all.x.begin() + long(o), len, b.x.begin());
    std::copy_n(all.y.begin() + long(o), len, b.y.begin());
    std::copy_n(all.w.begin() + long(o), len, b.w.begin());
    out.push_back(b);
  }
  return out;
}

// ---------------------------------------------------------------- each task's sizes

// Each fills the task's defaults into *o, checks its sizes (false: *err names the option) and
// sets the vocabulary V, the length T and the mask.
bool shape_copy(TaskOptions* o, Task* t, std::string* err) {  // copy and reverse
  if (!o->k) o->k = 8;
  if (!o->vocab) o->vocab = 10;
  if (o->k < 1 || o->k > 256) { *err = "--k must be 1 to 256 digits for " + o->name; return false; }
  if (o->vocab < 2 || o->vocab > 1000) { *err = "--vocab must be 2 to 1000 digits for " + o->name; return false; }
  t->vocab = o->vocab + 1;
  t->seq = 2 * o->k;
  return true;
}

bool shape_sort(TaskOptions*, Task* t, std::string*) {
  t->vocab = 3;
  t->seq = 11;
  return true;
}

bool shape_induction(TaskOptions* o, Task* t, std::string* err) {
  if (!o->k) o->k = 32;
  if (!o->vocab) o->vocab = 16;
  if (o->k < 4 || o->k > 512) { *err = "--k (the context length) must be 4 to 512 for induction"; return false; }
  if (o->vocab < 2 || o->vocab > 1000) { *err = "--vocab must be 2 to 1000 tokens for induction"; return false; }
  t->vocab = o->vocab;
  t->seq = o->k;
  return true;
}

bool shape_modadd(TaskOptions* o, Task* t, std::string* err) {
  if (!o->p) o->p = 97;
  if (o->train_frac == 0) o->train_frac = 0.3f;
  if (o->p < 2 || o->p > 113) { *err = "--p must be 2 to 113 for modadd (got " + std::to_string(o->p) + ")"; return false; }
  if (!(o->train_frac > 0 && o->train_frac < 1)) { *err = "--train-frac must be between 0 and 1 (exclusive)"; return false; }
  t->vocab = o->p + 1;
  t->seq = 3;
  return true;
}

bool shape_histogram(TaskOptions* o, Task* t, std::string* err) {
  if (!o->k) o->k = 10;
  if (!o->vocab) o->vocab = 6;
  if (o->k < 2 || o->k > 256) { *err = "--k (the length) must be 2 to 256 for histogram"; return false; }
  if (o->vocab < 2 || o->vocab > 256) { *err = "--vocab must be 2 to 256 symbols for histogram"; return false; }
  t->vocab = std::max(o->vocab, o->k + 1);
  t->seq = o->k;
  t->causal = false;
  return true;
}

// ---------------------------------------------------------------- held-out sets that are enumerated

// Shuffles 0..n-1 with the held-out stream
std::vector<int> shuffled(int n, Rng* rng) {
  std::vector<int> ids(static_cast<size_t>(n));
  for (int i = 0; i < n; i++) ids[size_t(i)] = i;
  for (int i = n - 1; i > 0; i--) std::swap(ids[size_t(i)], ids[size_t(below(rng, i + 1))]);
  return ids;
}

// sort: 20 % of the 3^6 inputs, the rest is what training draws from
void heldout_sort(Task* t, Rng* rng, Batch* all) {
  const std::vector<int> ids = shuffled(729, rng);
  const int held = 146;
  resize(all, held, t->seq);
  for (int r = 0; r < held; r++) {
    std::vector<int> seq;
    for (int i = 0, v = ids[size_t(r)]; i < 6; i++, v /= 3) seq.push_back(v % 3);
    put(all, r, sort_example(seq), 5, 10, true);
  }
}

// modadd: train_frac of the p² pairs into the training table, the others held out
void heldout_modadd(Task* t, Rng* rng, Batch* all) {
  const int p = t->opt.p;
  const std::vector<int> ids = shuffled(p * p, rng);
  const int train = std::max(1, std::min(p * p - 1, int(t->opt.train_frac * float(p * p) + 0.5f)));
  for (int i = 0; i < train; i++) t->table.push_back({ids[size_t(i)] / p, ids[size_t(i)] % p});
  resize(all, p * p - train, t->seq);
  for (int i = train; i < p * p; i++) modadd_example(*t, ids[size_t(i)] / p, ids[size_t(i)] % p, all, i - train);
}

// ---------------------------------------------------------------- the table

struct TaskKind {
  const char* name;
  const char* about;  // one line with an example (the panel's tooltip, attn train --help)
  bool (*shape)(TaskOptions*, Task*, std::string*);
  void (*draw)(const Task&, Rng*, Batch*, int);  // nullptr: examples come from the task's table (modadd)
  void (*heldout)(Task*, Rng*, Batch*);          // nullptr: kHeldout drawn examples
  const char* last_token;                        // the name of the last token id ("|", "="); nullptr: its number
};

const std::vector<TaskKind>& kinds() {
  static const std::vector<TaskKind> table = {
      {"copy", "copy: k digits, '|', the same digits      3 1 4 | 3 1 4   (scored on the answer)", shape_copy, draw_copy,
       nullptr, "|"},
      {"reverse", "reverse: k digits, '|', them reversed   3 1 4 | 4 1 3   (scored on the answer)", shape_copy, draw_copy,
       nullptr, "|"},
      {"sort", "sort: 6 digits from {0,1,2}, then sorted   2 0 1 2 0 1 0 0 1 1 2 2   (scored on the last 6)", shape_sort,
       draw_sort, heldout_sort, nullptr},
      {"induction", "induction: a block of distinct tokens repeated   5 9 2 7 5 9 2 7 5 ...   (scored from the first repeat on)",
       shape_induction, draw_induction, nullptr, nullptr},
      {"modadd", "modadd: a b = (a+b) mod p   3 5 = 8   (p = 97; part of the table trained on, the rest held out)",
       shape_modadd, nullptr, heldout_modadd, "="},
      {"histogram", "histogram (bidirectional): how often each token occurs   a b a c -> 2 1 2 1", shape_histogram,
       draw_histogram, nullptr, nullptr},
  };
  return table;
}

const TaskKind* kind_of(const std::string& name) {
  for (const TaskKind& k : kinds())
    if (name == k.name) return &k;
  return nullptr;
}

}  // namespace

const std::vector<std::string>& task_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const TaskKind& k : kinds()) n.push_back(k.name);
    return n;
  }();
  return names;
}

std::string describe_task(const std::string& name) {
  const TaskKind* k = kind_of(name);
  return k ? k->about : "";
}

bool make_task(const TaskOptions& opt_in, uint64_t seed, Task* out, std::string* err) {
  Task t;
  t.opt = opt_in;
  const TaskKind* kind = kind_of(t.opt.name);
  if (!kind) {
    std::string names;
    for (const std::string& s : task_names()) names += (names.empty() ? "" : ", ") + s;
    *err = "unknown task '" + t.opt.name + "' (known: " + names + ")";
    return false;
  }
  if (!kind->shape(&t.opt, &t, err)) return false;
  for (int i = 0; i < t.vocab; i++) t.token_names.push_back(std::to_string(i));
  if (kind->last_token) t.token_names.back() = kind->last_token;

  // the held-out set (and for sort and modadd, the training table's complement)
  Rng rng(seed ^ 0x48454C444F5554ull);  // "HELDOUT"
  Batch all;
  if (kind->heldout) {
    kind->heldout(&t, &rng, &all);
  } else {
    resize(&all, kHeldout, t.seq);
    for (int r = 0; r < kHeldout; r++) kind->draw(t, &rng, &all, r);
  }
  for (int r = 0; r < all.B; r++) t.held_keys.insert(key_of(all.x.data() + size_t(r) * t.seq, t.seq));
  t.heldout = split(all);
  resize(&t.probe, 1, t.seq);
  std::copy_n(all.x.begin(), t.seq, t.probe.x.begin());
  std::copy_n(all.y.begin(), t.seq, t.probe.y.begin());
  std::copy_n(all.w.begin(), t.seq, t.probe.w.begin());
  *out = std::move(t);
  return true;
}

void sample_batch(const Task& task, uint64_t seed, int64_t step, int B, Batch* out) {
  Rng rng(seed ^ (uint64_t(step) * 0xD1B54A32D192ED03ull + 0x5452414Eull));  // "TRAN"
  resize(out, B, task.seq);
  const TaskKind* kind = kind_of(task.opt.name);
  for (int r = 0; r < B; r++) {
    if (!kind->draw) {
      const std::vector<int>& pr = task.table[size_t(below(&rng, int(task.table.size())))];
      modadd_example(task, pr[0], pr[1], out, r);
      continue;
    }
    // redraw an example that is in the held-out set (sort: 146 of 729; the others: rare)
    for (int tries = 0; tries < 1000; tries++) {
      kind->draw(task, &rng, out, r);
      if (!task.held_keys.count(key_of(out->x.data() + size_t(r) * task.seq, task.seq))) break;
    }
  }
}

bool parse_tokens(const Task& task, const std::string& text, std::vector<int>* out, std::string* err) {
  out->clear();
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == ',' || text[i] == '\t')) i++;
    if (i >= text.size()) break;
    size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != ',' && text[j] != '\t') j++;
    const std::string word = text.substr(i, j - i);
    int id = -1;
    for (int v = 0; v < task.vocab; v++)
      if (task.token_names[size_t(v)] == word) id = v;
    if (id < 0) {
      *err = "token " + std::to_string(out->size() + 1) + " '" + word + "' is not in the vocabulary of " +
             task.opt.name + " (" + task.token_names.front() + " .. " + task.token_names.back() + ")";
      return false;
    }
    out->push_back(id);
    i = j;
  }
  if (out->empty()) { *err = "the prompt has no tokens"; return false; }
  return true;
}

}  // namespace attn::train
