"""Dying ReLU on handwritten digits: a small network, trained with backpropagation written by hand.

    pip install "actgrad[demo]"        # scikit-learn (the digits ship with it) and matplotlib
    python examples/mlp_digits.py      # about a minute, most of it compiling actgrad's kernels

The network lives in ``actgrad/demo.py`` -- read ``MLP.forward`` and ``MLP.gradients`` there (40 lines): the
forward pass keeps each hidden layer's pre-activation z, and backpropagation needs the activation's derivative in
exactly one line per hidden layer,

    delta = act.backward(delta @ W.T, z)      # dL/dz = (dL/da) * f'(z), fused by actgrad

This script takes that network apart step by step, then trains one per activation with a learning rate high
enough that ReLU units die, and writes ``mlp_digits.png``.
"""

import numpy as np

import actgrad as ag
from actgrad import demo

# 1. Data: 1797 images of 8x8 pixels, standardized, split 3:1 into training and test images.
data = demo.load_digits(seed=0)
print(f"{len(data.y_train)} training and {len(data.y_test)} test images of {data.x_train.shape[1]} pixels")

# 2. A network 64 -> 64 -> 64 -> 10: two hidden ReLU layers, He-initialized, and a softmax output.
net = demo.MLP([64, 64, 64, 10], ag.relu, np.random.default_rng(0))
x, y = data.x_train[:32], data.y_train[:32]  # one mini-batch
logits, inputs, zs = net.forward(x)
print("pre-activations z of the hidden layers:", [z.shape for z in zs], "-> logits", logits.shape)

# 3. Backpropagation: the loss and its gradient for every weight. Check one weight against a finite difference
#    (ReLU is piecewise linear, so a small step that crosses no kink gives the slope exactly, up to rounding).
loss, grad_w, grad_b = net.gradients(x, y)
i, j, h = 3, 5, 1e-6
net.weights[0][i, j] += h
loss_up = net.gradients(x, y)[0]
net.weights[0][i, j] -= 2 * h
loss_down = net.gradients(x, y)[0]
net.weights[0][i, j] += h
numeric = (loss_up - loss_down) / (2 * h)
print(f"loss {loss:.4f}; dL/dW1[{i},{j}]: backprop {grad_w[0][i, j]:.8f}, finite difference {numeric:.8f}")

# 4. Training is one SGD step per mini-batch (MLP.sgd_step). A few steps with a large learning rate:
for step in range(20):
    rows = np.random.default_rng(step).choice(len(data.y_train), 32, replace=False)
    net.sgd_step(data.x_train[rows], data.y_train[rows], lr=3.0, clip=1.0)
# A unit is dead when f'(z) = 0 for every training image: it gets no gradient any more.
_, _, zs = net.forward(data.x_train)
for layer, z in enumerate(zs, 1):
    dead = ag.dead_units(z, "relu")
    print(f"after 20 steps, hidden layer {layer}: {dead.sum()} of {dead.size} ReLU units dead")

# 5. The comparison (demo.train runs the epochs; demo.run does it once per activation, from the same start).
result = demo.run(names=("relu", "leaky_relu", "gelu"), epochs=30, lr=demo.DEFAULT_LR, seed=0)
print(demo.table(result))
demo.figure(result, "mlp_digits.png")
print("wrote mlp_digits.png")
