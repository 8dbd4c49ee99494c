// bench_train.h: the training rows of the bench program (bench_train.cpp).
#pragma once
int cmd_traingen(int argc, char** argv);
int cmd_train(int argc, char** argv);
