# Baseline R(2+1)D-101 recognizer (paper Table 2, fourth row).
_base_ = './r2d50.py'

model = dict(backbone={{_base_.r2plus1d101}})
