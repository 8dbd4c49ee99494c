// bench_model.h: the real-model rows of the bench program (bench_model.cpp).
#pragma once
int cmd_model(int argc, char** argv);
