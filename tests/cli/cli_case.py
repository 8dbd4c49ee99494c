"""cli_case.py: what the CLI test files share: a test case with its own temporary folder, a seeded
random generator, and a helper that saves an array there as .npy and returns its path."""
import os
import shutil
import tempfile
import unittest

import numpy as np


class TempDirCase(unittest.TestCase):
    PREFIX = "attn-"
    SEED = 0
    DTYPE = None  # save arrays as they are, or cast to this dtype

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix=self.PREFIX)
        self.rng = np.random.default_rng(self.SEED)

    def tearDown(self):
        shutil.rmtree(self.dir)

    def path(self, name):
        return os.path.join(self.dir, name)

    def save(self, name, arr, dtype=None):
        dtype = dtype or self.DTYPE
        np.save(self.path(name), np.asarray(arr, dtype=dtype) if dtype else arr)
        return self.path(name)
