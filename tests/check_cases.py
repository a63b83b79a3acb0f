"""The check cases both tests/test_checks.py and tests/test_protocol.py run: each lesson's checks with the
objects they take, and the typical mistakes (a source change to the solution) each check must catch."""

from functools import partial

from gancourse import checks
from tests.notebook_code import ROOT, exercise_sources

NOTEBOOKS = {
    "01": "01_gan.ipynb",
    "02": "02_dcgan.ipynb",
    "03": "03_conditional_gan.ipynb",
    "04": "04_discogan_cyclegan.ipynb",
    "05": "05_biggan.ipynb",
    "06": "06_wgan_gp.ipynb",
}

SOLUTIONS = {k: exercise_sources(ROOT / "solutions" / v) for k, v in NOTEBOOKS.items()}

LESSONS = {k: exercise_sources(ROOT / "lessons" / v) for k, v in NOTEBOOKS.items()}

SOLUTION = SOLUTIONS["01"]

CHECKS_BY_LESSON = {
    "01": [
        (("ToyGenerator", "ToyDiscriminator"), checks.check_toy_nets),
        ("Generator", checks.check_generator),
        ("Discriminator", checks.check_discriminator),
        ("d_loss", checks.check_d_loss),
        ("g_loss", checks.check_g_loss),
        ("d_step", checks.check_d_step),
        ("g_step", checks.check_g_step),
        (("simultaneous_step", "alternating_step"), checks.check_game_steps),
        ("answers", partial(checks.check_quiz, "01")),
    ],
    "02": [
        ("conv_transpose_out_size", checks.check_conv_transpose_out_size),
        ("up_block", checks.check_up_block),
        ("down_block", checks.check_down_block),
        ("dcgan_init", checks.check_dcgan_init),
        ("Generator", checks.check_dcgan_generator),
        ("Discriminator", checks.check_dcgan_discriminator),
        ("answers", partial(checks.check_quiz, "02")),
    ],
    "03": [
        ("label_input", checks.check_label_input),
        ("label_maps", checks.check_label_maps),
        ("generate_digit", checks.check_generate_digit),
        ("answers", partial(checks.check_quiz, "03")),
    ],
    "04": [
        ("cycle_loss", checks.check_cycle_loss),
        ("ImagePool", checks.check_image_pool),
        ("d_update", checks.check_d_update),
        ("g_update", checks.check_generator_update),
        ("identity_loss", checks.check_identity_loss),
        ("answers", partial(checks.check_quiz, "04")),
    ],
    "05": [
        ("ConditionalBN", checks.check_conditional_bn),
        ("projection_logits", checks.check_projection),
        (("d_hinge", "g_hinge"), checks.check_hinge),
        ("truncated_z", checks.check_truncation),
        ("answers", partial(checks.check_quiz, "05")),
    ],
    "06": [
        (("critic_loss", "g_loss"), checks.check_wasserstein_losses),
        ("gradient_penalty", checks.check_gradient_penalty),
        ("critic_step", checks.check_critic_step),
        ("Critic", checks.check_critic),
        ("answers", partial(checks.check_quiz, "06")),
    ],
}

CHECKS = CHECKS_BY_LESSON["01"]

ALL = [(lesson, name, check) for lesson, items in CHECKS_BY_LESSON.items() for name, check in items]

IDS = [f"{lesson}-{name if isinstance(name, str) else '+'.join(name)}" for lesson, name, _ in ALL]

MISTAKES = [
    # (what the student got wrong, planted change, check, hint the check must give)
    (
        "d_step logging the loss with its graph",
        ('        "loss_D": loss.detach(),', '        "loss_D": loss,'),
        "d_step",
        "still attached to the graph",
    ),
    (
        "g_step returning the loss with its graph",
        ('    return {"loss_G": loss.detach()}', '    return {"loss_G": loss}'),
        "g_step",
        "still attached to the graph",
    ),
    (
        "simultaneous step that lets y see x's move",
        ("    return x - lr * y, y + lr * x\n", "    x = x - lr * y\n    return x, y + lr * x\n"),
        ("simultaneous_step", "alternating_step"),
        "same point",
    ),
    (
        "alternating step with y's gradient at the old x",
        ("    return x_new, y + lr * x_new\n", "    return x_new, y + lr * x\n"),
        ("simultaneous_step", "alternating_step"),
        "new position",
    ),
    (
        "game players moving the wrong way",
        ("    return x - lr * y, y + lr * x\n", "    return x + lr * y, y - lr * x\n"),
        ("simultaneous_step", "alternating_step"),
        "descent step",
    ),
    (
        "game step in place",
        (
            "    x_new = x - lr * y\n    return x_new, y + lr * x_new\n",
            "    x -= lr * y\n    y += lr * x\n    return x, y\n",
        ),
        ("simultaneous_step", "alternating_step"),
        "changed the tensors",
    ),
    (
        "game step that ignores the learning rate",
        ("    return x - lr * y, y + lr * x\n", "    return x - 0.1 * y, y + 0.1 * x\n"),
        ("simultaneous_step", "alternating_step"),
        "learning rate times",
    ),
    (
        "no tanh on G",
        ("nn.Linear(width, 28 * 28), nn.Tanh()]", "nn.Linear(width, 28 * 28)]"),
        "Generator",
        r"leave \[-1, 1\]",
    ),
    (
        "sigmoid on G's output",
        ("nn.Linear(width, 28 * 28), nn.Tanh()]", "nn.Linear(width, 28 * 28), nn.Sigmoid()]"),
        "Generator",
        "never negative",
    ),
    (
        "ReLU on D's output",
        ("layers += [nn.Linear(width, 1)]", "layers += [nn.Linear(width, 1), nn.ReLU()]"),
        "Discriminator",
        "ends with a ReLU",
    ),
    (
        "tanh on D's output",
        ("layers += [nn.Linear(width, 1)]", "layers += [nn.Linear(width, 1), nn.Tanh()]"),
        "Discriminator",
        "ends with a tanh",
    ),
    (
        "D(x) logged as mean logit",
        ('"D(x)": torch.sigmoid(real_logits.detach()).mean()', '"D(x)": real_logits.detach().mean()'),
        "d_step",
        "is a probability",
    ),
    (
        "D(G(z)) not logged",
        ('        "D(G(z))": torch.sigmoid(fake_logits.detach()).mean(),\n', ""),
        "d_step",
        r"no 'D\(G\(z\)\)' entry",
    ),
    ("G without BatchNorm", ("nn.BatchNorm1d(h, momentum=0.2), ", ""), "Generator", "BatchNorm1d"),
    ("G returns flat vectors", ("view(-1, 1, 28, 28)", "view(-1, 784)"), "Generator", r"expected \(16, 1, 28, 28\)"),
    (
        "sigmoid on D's output",
        ("layers += [nn.Linear(width, 1)]", "layers += [nn.Linear(width, 1), nn.Sigmoid()]"),
        "Discriminator",
        "ends with a sigmoid",
    ),
    ("ReLU in D", ("nn.LeakyReLU(0.2)]", "nn.ReLU()]"), "Discriminator", "LeakyReLU"),
    ("D returns (N, 1)", ("self.net(x).squeeze(1)  # (N,)\n", "self.net(x)  # (N,)\n"), "Discriminator", r"\(16,\)"),
    (
        "swapped D labels",
        (
            "real = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))",
            "real = F.binary_cross_entropy_with_logits(real_logits, torch.zeros_like(real_logits))\n"
            "    fake_logits = -fake_logits",
        ),
        "d_loss",
        "labels are swapped",
    ),
    ("averaged D terms", ("return real + fake", "return (real + fake) / 2"), "d_loss", "do not divide by 2"),
    (
        "BCE on probabilities in d_loss",
        [
            (
                "F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))",
                "F.binary_cross_entropy(torch.sigmoid(real_logits), torch.ones_like(real_logits))",
            ),
            (
                "F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))",
                "F.binary_cross_entropy(torch.sigmoid(fake_logits), torch.zeros_like(fake_logits))",
            ),
        ],
        "d_loss",
        "numerical stability",
    ),
    (
        "BCE on probabilities in g_loss",
        (
            "return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))",
            "return F.binary_cross_entropy(torch.sigmoid(fake_logits), torch.ones_like(fake_logits))",
        ),
        "g_loss",
        "numerical stability",
    ),
    (
        "G's reshape mixes samples",
        ("view(-1, 1, 28, 28)", "view(28, 28, -1).permute(2, 0, 1).reshape(-1, 1, 28, 28)"),
        "Generator",
        "batch dimension stays first",
    ),
    (
        "sigmoid before BCE-with-logits",
        (
            "real_logits, torch.ones_like(real_logits))",
            "torch.sigmoid(real_logits), torch.ones_like(real_logits))\n    fake_logits = torch.sigmoid(fake_logits)",
        ),
        "d_loss",
        "sigmoid is applied before",
    ),
    (
        "wrong target in g_loss",
        (
            "return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))",
            "return F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))",
        ),
        "g_loss",
        "target label is wrong",
    ),
    (
        "minimax g_loss",
        (
            "return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))",
            "return -F.softplus(fake_logits).mean()",
        ),
        "g_loss",
        "minimax",
    ),
    ("no detach in the D step", ("D(fake.detach())", "D(fake)"), "d_step", "cut the fakes from G's graph"),
    (
        "missing zero_grad in the D step",
        ("opt_D.zero_grad(set_to_none=True)", "pass"),
        "d_step",
        "accumulates gradients",
    ),
    (
        "stepping before backward in the D step",
        ("loss.backward()\n    opt_D.step()", "opt_D.step()\n    loss.backward()"),
        "d_step",
        "one clean gradient step",
    ),
    (
        "missing zero_grad in the G step",
        ("opt_G.zero_grad(set_to_none=True)", "pass"),
        "g_step",
        "accumulates gradients",
    ),
    (
        "wrong target in the G step",
        ("loss = g_loss(D(fake))", "loss = F.binary_cross_entropy_with_logits(D(fake), torch.zeros(len(fake)))"),
        "g_step",
        "wrong target label",
    ),
    (
        "detach in the G step",
        ("loss = g_loss(D(fake))", "loss = g_loss(D(fake.detach()))"),
        "g_step",
        "did not change G",
    ),
]

TOY_NETS = ("ToyGenerator", "ToyDiscriminator")

TOY_MISTAKES = [
    # (what the student got wrong, planted change, hint the check must give)
    ("tanh at the toy G's end", ("nn.Linear(hidden, 2),  #", "nn.Linear(hidden, 2), nn.Tanh(),  #"), "squashed"),
    (
        "sigmoid at the toy G's end",
        ("nn.Linear(hidden, 2),  #", "nn.Linear(hidden, 2), nn.Sigmoid(),  #"),
        "never have a negative",
    ),
    (
        "ReLU at the toy G's end",
        ("nn.Linear(hidden, 2),  #", "nn.Linear(hidden, 2), nn.ReLU(),  #"),
        "never have a negative",
    ),
    ("no nonlinearity in the toy G", ("nn.ReLU(),", ""), "affine map of Gaussian noise"),
    ("toy G gives three coordinates", ("nn.Linear(hidden, 2),  #", "nn.Linear(hidden, 3),  #"), r"expected \(16, 2\)"),
    ("no nonlinearity in the toy D", ("nn.LeakyReLU(0.2),", ""), "one straight line"),
    ("ReLU in the toy D", ("nn.LeakyReLU(0.2),", "nn.ReLU(),"), "no LeakyReLU"),
    ("sigmoid at the toy D's end", ("nn.Linear(hidden, 1),  #", "nn.Linear(hidden, 1), nn.Sigmoid(),  #"), "sigmoid"),
    ("toy D returns (N, 1)", ("self.net(x).squeeze(1)  # (N, 1) -> (N,)", "self.net(x)"), r"expected \(16,\)"),
]

MISTAKES_02_03 = [
    (
        "06",
        "critic_step returning the penalty with its graph",
        ('"GP": gp.detach()}', '"GP": gp}'),
        "critic_step",
        "still attached to the graph",
    ),
    (
        "04",
        "identity loss fed the wrong domains",
        (
            "(G_AB(b) - b).abs().mean() + (G_BA(a) - a).abs().mean()",
            "(G_AB(a) - a).abs().mean() + (G_BA(b) - b).abs().mean()",
        ),
        "identity_loss",
        "already in B",
    ),
    (
        "04",
        "identity loss squared",
        (
            "(G_AB(b) - b).abs().mean() + (G_BA(a) - a).abs().mean()",
            "((G_AB(b) - b) ** 2).mean() + ((G_BA(a) - a) ** 2).mean()",
        ),
        "identity_loss",
        "L1 error",
    ),
    (
        "04",
        "identity loss without its weight",
        ("return lam_id * (", "return ("),
        "identity_loss",
        "weight you are given",
    ),
    (
        "02",
        "transposed size without output_padding",
        ("+ kernel + output_padding", "+ kernel"),
        "conv_transpose_out_size",
        "output_padding",
    ),
    (
        "02",
        "ordinary convolution formula",
        (
            "return (size - 1) * stride - 2 * padding + kernel + output_padding",
            "return (size + 2 * padding - kernel) // stride + 1",
        ),
        "conv_transpose_out_size",
        "ordinary convolution",
    ),
    (
        "02",
        "up block without output_padding",
        ("padding=2, output_padding=stride - 1, bias=False", "padding=2, bias=False"),
        "up_block",
        "expected",
    ),
    (
        "02",
        "ReLU before BatchNorm",
        ("        nn.BatchNorm2d(c_out),\n        nn.ReLU(),", "        nn.ReLU(),\n        nn.BatchNorm2d(c_out),"),
        "up_block",
        "order",
    ),
    ("02", "LeakyReLU in G", ("        nn.ReLU(),\n    )", "        nn.LeakyReLU(0.2),\n    )"), "up_block", "order"),
    (
        "02",
        "bias before BatchNorm",
        ("output_padding=stride - 1, bias=False", "output_padding=stride - 1"),
        "up_block",
        "has a bias",
    ),
    (
        "02",
        "3x3 up block",
        (
            "nn.ConvTranspose2d(c_in, c_out, 5, stride, padding=2,",
            "nn.ConvTranspose2d(c_in, c_out, 3, stride, padding=1,",
        ),
        "up_block",
        "kernel \\(3, 3\\)",
    ),
    (
        "02",
        "init leaves biases",
        ("            nn.init.zeros_(m.bias)\n    elif", "            pass\n    elif"),
        "dcgan_init",
        "biases are not zero",
    ),
    (
        "02",
        "init skips BatchNorm1d",
        ("isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))", "isinstance(m, nn.BatchNorm2d)"),
        "dcgan_init",
        "BatchNorm1d: scale mean",
    ),
    (
        "02",
        "BatchNorm in every D block",
        ("    if batchnorm:\n        layers.append", "    if True:\n        layers.append"),
        "down_block",
        "batchnorm=False but the block has",
    ),
    (
        "02",
        "ReLU in D's block",
        ("layers += [nn.LeakyReLU(0.2), nn.Dropout(0.3)]", "layers += [nn.ReLU(), nn.Dropout(0.3)]"),
        "down_block",
        "LeakyReLU with slope 0.2",
    ),
    (
        "02",
        "D block without dropout",
        ("layers += [nn.LeakyReLU(0.2), nn.Dropout(0.3)]", "layers += [nn.LeakyReLU(0.2)]"),
        "down_block",
        "Dropout\\(0.3\\)",
    ),
    (
        "02",
        "pooling instead of a strided convolution",
        (
            "[nn.Conv2d(c_in, c_out, 5, stride=2, padding=2, bias=not batchnorm)]",
            "[nn.Conv2d(c_in, c_out, 5, padding=2, bias=not batchnorm), nn.MaxPool2d(2)]",
        ),
        "down_block",
        "stride 2",
    ),
    (
        "02",
        "sigmoid at G's output",
        ("            nn.Tanh(),\n        )", "            nn.Sigmoid(),\n        )"),
        "Generator",
        "never negative",
    ),
    (
        "02",
        "BatchNorm on G's output",
        (
            "nn.ConvTranspose2d(64, 1, 5, 2, padding=2, output_padding=1),",
            "nn.ConvTranspose2d(64, 1, 5, 2, padding=2, output_padding=1), nn.BatchNorm2d(1),",
        ),
        "Generator",
        "normalises its output",
    ),
    (
        "02",
        "dense projection not normalised",
        ("            nn.BatchNorm1d(7 * 7 * 256),\n", ""),
        "Generator",
        "not normalised",
    ),
    (
        "02",
        "BatchNorm on D's input",
        ("down_block(1, 64, batchnorm=False)", "down_block(1, 64)"),
        "Discriminator",
        "normalises its first layer",
    ),
    (
        "02",
        "sigmoid at D's output",
        ("nn.Linear(128 * 7 * 7, 1),  # (N, 1)", "nn.Linear(128 * 7 * 7, 1), nn.Sigmoid(),"),
        "Discriminator",
        "ends with a sigmoid",
    ),
    (
        "02",
        "D returns (N, 1)",
        ("return self.body(x).squeeze(1)  # (N,)", "return self.body(x)"),
        "Discriminator",
        r"\(8,\)",
    ),
    (
        "02",
        "a wrong quiz answer",
        ('answers = {1: "b", 2: "b", 3: "a", 4: "b"}', 'answers = {1: "a", 2: "b", 3: "a", 4: "b"}'),
        "answers",
        "question 1 \\(re-read",
    ),
    (
        "02",
        "init std 1",
        ("nn.init.normal_(m.weight, 0.0, 0.02)", "nn.init.normal_(m.weight, 0.0, 1.0)"),
        "dcgan_init",
        "N\\(0, 0.02\\)",
    ),
    ("02", "init skips BatchNorm", ("nn.init.normal_(m.weight, 1.0, 0.02)", "pass"), "dcgan_init", "BatchNorm"),
    (
        "02",
        "init by class name misses ConvTranspose",
        ("isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear))", "type(m).__name__ in ('Conv2d', 'Linear')"),
        "dcgan_init",
        "ConvTranspose2d",
    ),
    (
        "02",
        "init without a bias guard",
        ("        if m.bias is not None:\n            nn.init.zeros_(m.bias)", "        nn.init.zeros_(m.bias)"),
        "dcgan_init",
        "without a bias",
    ),
    (
        "03",
        "label before z",
        (
            "torch.cat([z, F.one_hot(y, n_classes).float()], dim=1)",
            "torch.cat([F.one_hot(y, n_classes).float(), z], dim=1)",
        ),
        "label_input",
        "z comes first",
    ),
    (
        "03",
        "one_hot without the number of classes in G",
        ("torch.cat([z, F.one_hot(y, n_classes).float()], dim=1)", "torch.cat([z, F.one_hot(y).float()], dim=1)"),
        "label_input",
        "tell F.one_hot how many classes",
    ),
    (
        "03",
        "one_hot without the number of classes in D",
        (
            "F.one_hot(y, n_classes).to(x.dtype).view(n, n_classes, 1, 1).expand(n, n_classes, h, w)",
            "F.one_hot(y).to(x.dtype)[:, :, None, None].expand(-1, -1, h, w)",
        ),
        "label_maps",
        "tell F.one_hot how many classes",
    ),
    (
        "03",
        "integer label instead of one-hot",
        ("torch.cat([z, F.one_hot(y, n_classes).float()], dim=1)", "torch.cat([z, y[:, None].float()], dim=1)"),
        "label_input",
        "expected \\(5, 17\\)",
    ),
    (
        "03",
        "label maps on the wrong dim",
        ("return torch.cat([x, maps], dim=1)", "return torch.cat([x, maps], dim=0)"),
        "label_maps",
        "label_maps raised RuntimeError: Sizes of tensors must match",
    ),
    (
        "03",
        "unconditioned G (labels ignored)",
        (
            "y = torch.full((n,), digit, dtype=torch.long, device=device)",
            "y = torch.zeros(n, dtype=torch.long, device=device)",
        ),
        "generate_digit",
        "was asked for labels",
    ),
    ("03", "sampling in training mode", ("    G.eval()\n", ""), "generate_digit", "training mode"),
    (
        "03",
        "sampling with gradients",
        ("    with torch.no_grad():\n        images = G(z, y)", "    images = G(z, y)"),
        "generate_digit",
        "gradient",
    ),
    ("03", "G left in eval mode", ("    G.train()\n", ""), "generate_digit", "left in eval mode"),
    (
        "03",
        "noise made on the CPU",
        ("torch.randn(n, G.cfg.z_dim, device=device)", "torch.randn(n, G.cfg.z_dim)"),
        "generate_digit",
        "on the device of G's parameters",
    ),
    (
        "04",
        "cycle loss without its lambda",
        ("return lam * (x_rec - x).abs().mean()", "return (x_rec - x).abs().mean()"),
        "cycle_loss",
        "without its weight lambda",
    ),
    (
        "04",
        "cycle loss with squared error",
        ("return lam * (x_rec - x).abs().mean()", "return lam * ((x_rec - x) ** 2).mean()"),
        "cycle_loss",
        "squared error",
    ),
    (
        "04",
        "cycle loss summed",
        ("return lam * (x_rec - x).abs().mean()", "return lam * (x_rec - x).abs().sum()"),
        "cycle_loss",
        "summed",
    ),
    (
        "04",
        "cycle loss ignores lam",
        ("return lam * (x_rec - x).abs().mean()", "return 10.0 * (x_rec - x).abs().mean()"),
        "cycle_loss",
        "lam argument is ignored",
    ),
    (
        "04",
        "pool never returns old fakes",
        ("            elif torch.rand(()) < 0.5:", "            elif False:"),
        "ImagePool",
        "probability 1/2",
    ),
    (
        "04",
        "pool keeps old fakes forever",
        ("                self.images[i] = img.clone()\n", ""),
        "ImagePool",
        "put the new one in its place",
    ),
    ("04", "pool keeps G's graph", ("for img in fakes.detach():", "for img in fakes:"), "ImagePool", "detach"),
    (
        "04",
        "pool of size 0 crashes",
        ("        if self.size == 0:\n            return fakes\n", ""),
        "ImagePool",
        "ImagePool\\(0\\)",
    ),
    (
        "04",
        "G update without the cycle lambda",
        (
            "cycle_loss(a, G_BA(fake_b), lam) + cycle_loss(b, G_AB(fake_a), lam)",
            "cycle_loss(a, G_BA(fake_b), 1.0) + cycle_loss(b, G_AB(fake_a), 1.0)",
        ),
        "g_update",
        "cycle term has no lambda",
    ),
    ("04", "G update without the cycle", ("    loss = adv + cyc\n", "    loss = adv\n"), "g_update", "no cycle term"),
    (
        "04",
        "G update with D of the wrong domain",
        (
            "((D_B(fake_b) - 1) ** 2).mean() + ((D_A(fake_a) - 1) ** 2).mean()",
            "((D_A(fake_b) - 1) ** 2).mean() + ((D_B(fake_a) - 1) ** 2).mean()",
        ),
        "g_update",
        "own domain",
    ),
    (
        "04",
        "G update without zero_grad",
        ("    opt_G.zero_grad(set_to_none=True)\n    adv", "    adv"),
        "g_update",
        "clear the gradients",
    ),
    (
        "04",
        "G update with a detached cycle path",
        (
            "cycle_loss(a, G_BA(fake_b), lam) + cycle_loss(b, G_AB(fake_a), lam)",
            "cycle_loss(a, G_BA(fake_b.detach()), lam) + cycle_loss(b, G_AB(fake_a.detach()), lam)",
        ),
        "g_update",
        "round trips send no gradient",
    ),
    (
        "04",
        "G update judged under no_grad",
        ("    adv = ((D_B", "    with torch.no_grad():\n        adv = ((D_B"),
        "g_update",
        "no gradient reaches the generators through the discriminators",
    ),
    (
        "04",
        "pool stores G's graph but returns detached fakes",
        [
            ("for img in fakes.detach():", "for img in fakes:"),
            ("return torch.stack(out)  # (N, C, H, W)", "return torch.stack(out).detach()  # (N, C, H, W)"),
        ],
        "ImagePool",
        "keeps \\(or returns\\) tensors that carry G's graph",
    ),
    ("04", "pool overfills", ("if len(self.images) < self.size:", "if True:"), "ImagePool", "more than its size"),
    (
        "04",
        "pool swaps with probability 0.9",
        ("elif torch.rand(()) < 0.5:", "elif torch.rand(()) < 0.9:"),
        "ImagePool",
        "probability 1/2",
    ),
    (
        "04",
        "D update without detach",
        ("pool_a.query(fake_a.detach()), pool_b.query(fake_b.detach())", "pool_a.query(fake_a), pool_b.query(fake_b)"),
        "d_update",
        "into the generators",
    ),
    (
        "04",
        "D update without the pools",
        ("pool_a.query(fake_a.detach()), pool_b.query(fake_b.detach())", "fake_a.detach(), fake_b.detach()"),
        "d_update",
        "pool was never asked",
    ),
    (
        "04",
        "D update with swapped pools",
        (
            "pool_a.query(fake_a.detach()), pool_b.query(fake_b.detach())",
            "pool_a.query(fake_b.detach()), pool_b.query(fake_a.detach())",
        ),
        "d_update",
        "other domain's fakes",
    ),
    (
        "04",
        "D loss not halved",
        [("loss_a = 0.5 * (", "loss_a = ("), ("loss_b = 0.5 * (", "loss_b = (")],
        "d_update",
        "twice CycleGAN's",
    ),
    (
        "04",
        "D update without zero_grad",
        ("    opt_D.zero_grad(set_to_none=True)\n", ""),
        "d_update",
        "clear the gradients",
    ),
    (
        "04",
        "G update ignores lam",
        (
            "cycle_loss(a, G_BA(fake_b), lam) + cycle_loss(b, G_AB(fake_a), lam)",
            "cycle_loss(a, G_BA(fake_b)) + cycle_loss(b, G_AB(fake_a))",
        ),
        "g_update",
        "weighs the cycle term by 10",
    ),
    (
        "04",
        "G update composes the cycles in the wrong order",
        (
            "cycle_loss(a, G_BA(fake_b), lam) + cycle_loss(b, G_AB(fake_a), lam)",
            "cycle_loss(a, G_AB(G_BA(a)), lam) + cycle_loss(b, G_BA(G_AB(b)), lam)",
        ),
        "g_update",
        "wrong order",
    ),
    (
        "05",
        "truncation redraws whole rows",
        (
            "    outside = z.abs() > threshold\n    while outside.any():\n        z[outside] = "
            "torch.randn(int(outside.sum()))\n"
            "        outside = z.abs() > threshold\n    return z",
            "    for i in range(n):\n        while (z[i].abs() > threshold).any():\n            z[i] = "
            "torch.randn(dim)\n    return z",
        ),
        "truncated_z",
        "only the entries outside",
    ),
    (
        "05",
        "CBN without spectral norm",
        (
            "self.gain = spectral_norm(nn.Linear(cond_dim, channels, bias=False))",
            "self.gain = nn.Linear(cond_dim, channels, bias=False)",
        ),
        "ConditionalBN",
        "not spectrally normalised",
    ),
    (
        "06",
        "one eps for the whole batch, uniform",
        (
            "eps = torch.rand(len(real), *[1] * (real.dim() - 1), device=real.device)",
            "eps = torch.rand(1, device=real.device)",
        ),
        "gradient_penalty",
        "same weight",
    ),
    (
        "06",
        "eps made on the CPU",
        ("*[1] * (real.dim() - 1), device=real.device)", "*[1] * (real.dim() - 1))"),
        "gradient_penalty",
        "on the device of the batches",
    ),
    (
        "06",
        "critic ending in LeakyReLU",
        (
            "self.head = nn.Linear(2 * width * 7 * 7, 1)",
            "self.head = nn.Sequential(nn.Linear(2 * width * 7 * 7, 1), nn.LeakyReLU(0.2))",
        ),
        "Critic",
        "after its last linear layer",
    ),
    (
        "04",
        "G update without a step",
        ("    opt_G.step()\n    return loss", "    return loss"),
        "g_update",
        "did not move",
    ),
    (
        "05",
        "CBN without the shift",
        ("return self.bn(x) * gamma + beta  # (N, C, H, W)", "return self.bn(x) * gamma  # (N, C, H, W)"),
        "ConditionalBN",
        "shift is missing",
    ),
    (
        "05",
        "CBN with affine BN",
        ("nn.BatchNorm2d(channels, affine=False)", "nn.BatchNorm2d(channels)"),
        "ConditionalBN",
        "without its own scale and shift",
    ),
    (
        "05",
        "CBN scale without the 1",
        ("gamma = 1 + self.gain(c)", "gamma = self.gain(c)"),
        "ConditionalBN",
        "scale is 1 plus",
    ),
    (
        "05",
        "CBN linear layers with a bias",
        ("nn.Linear(cond_dim, channels, bias=False))  # W_gamma", "nn.Linear(cond_dim, channels))  # W_gamma"),
        "ConditionalBN",
        "plain BatchNorm",
    ),
    (
        "05",
        "CBN with one condition for the batch",
        (
            "gamma = 1 + self.gain(c)[:, :, None, None]",
            "c = c.mean(0, keepdim=True).expand_as(c)\n        gamma = 1 + self.gain(c)[:, :, None, None]",
        ),
        "ConditionalBN",
        "its own c_i",
    ),
    (
        "05",
        "projection without psi",
        ("return psi(phi).squeeze(1) + (embed(y) * phi).sum(dim=1)", "return (embed(y) * phi).sum(dim=1)"),
        "projection_logits",
        "unconditional term",
    ),
    (
        "05",
        "projection without the sum",
        ("return psi(phi).squeeze(1) + (embed(y) * phi).sum(dim=1)", "return psi(phi) + embed(y) * phi"),
        "projection_logits",
        "expected one logit",
    ),
    (
        "05",
        "hinge with swapped signs",
        (
            "torch.relu(1 - real_logits).mean() + torch.relu(1 + fake_logits).mean()",
            "torch.relu(1 + real_logits).mean() + torch.relu(1 - fake_logits).mean()",
        ),
        ("d_hinge", "g_hinge"),
        "signs are swapped",
    ),
    (
        "05",
        "clipped G hinge",
        ("return -fake_logits.mean()", "return torch.relu(1 - fake_logits).mean()"),
        ("d_hinge", "g_hinge"),
        "not clipped",
    ),
    (
        "05",
        "clamped truncation",
        (
            "    outside = z.abs() > threshold\n    while outside.any():\n        z[outside] = "
            "torch.randn(int(outside.sum()))\n        outside = z.abs() > threshold\n    return z",
            "    return z.clamp(-threshold, threshold)",
        ),
        "truncated_z",
        "pile up",
    ),
    (
        "05",
        "rescaled truncation",
        (
            "    outside = z.abs() > threshold\n    while outside.any():\n        z[outside] = "
            "torch.randn(int(outside.sum()))\n        outside = z.abs() > threshold\n    return z",
            "    return z * threshold / z.abs().max()",
        ),
        "truncated_z",
        "spread",
    ),
    (
        "06",
        "swapped critic signs",
        ("return fake_scores.mean() - real_scores.mean()", "return real_scores.mean() - fake_scores.mean()"),
        ("critic_loss", "g_loss"),
        "signs swapped",
    ),
    (
        "06",
        "G loss with the wrong sign",
        ("return -fake_scores.mean()", "return fake_scores.mean()"),
        ("critic_loss", "g_loss"),
        "wrong sign",
    ),
    (
        "06",
        "BCE instead of scores",
        (
            "return fake_scores.mean() - real_scores.mean()",
            "return F.softplus(-real_scores).mean() + F.softplus(fake_scores).mean()",
        ),
        ("critic_loss", "g_loss"),
        "no sigmoid, no log",
    ),
    (
        "06",
        "penalty at the reals",
        ("(1 - eps) * fake.detach()).requires_grad_(True)", "(1 - eps) * real.detach()).requires_grad_(True)"),
        "gradient_penalty",
        "at the real samples",
    ),
    (
        "06",
        "penalty at the fakes",
        ("eps * real.detach() + (1 - eps) * fake.detach()", "fake.detach()"),
        "gradient_penalty",
        "at the fakes",
    ),
    (
        "06",
        "mean of the norms",
        ("return weight * ((norms - 1) ** 2).mean()", "return weight * (norms.mean() - 1) ** 2"),
        "gradient_penalty",
        "one 2-norm per sample",
    ),
    (
        "06",
        "norm of the whole batch",
        ("norms = grad.flatten(1).norm(dim=1)", "norms = grad.norm()"),
        "gradient_penalty",
        "one 2-norm per sample",
    ),
    ("06", "no create_graph", ("x_hat, create_graph=True)", "x_hat)"), "gradient_penalty", "double backward"),
    (
        "06",
        "one eps for the whole batch",
        (
            "eps = torch.rand(len(real), *[1] * (real.dim() - 1), device=real.device)",
            "eps = torch.full((len(real), *[1] * (real.dim() - 1)), 1.0)",
        ),
        "gradient_penalty",
        "at the real samples",
    ),
    (
        "06",
        "penalty left out of the step",
        ("(loss_w + gp).backward()", "loss_w.backward()"),
        "critic_step",
        "differ from one SGD step",
    ),
    (
        "06",
        "penalty never called",
        ("    gp = penalty(D, real, fake)\n", "    gp = torch.zeros(())\n"),
        "critic_step",
        "called 0 times",
    ),
    (
        "06",
        "fakes not detached in the critic step",
        ("    fake = fake.detach()  # (N, C, H, W): nothing flows back into G\n", ""),
        "critic_step",
        "into G",
    ),
    (
        "06",
        "no zero_grad in the critic step",
        ("opt_D.zero_grad(set_to_none=True)\n    fake = fake.detach()", "fake = fake.detach()"),
        "critic_step",
        "accumulates gradients",
    ),
    ("06", "W with the wrong sign", ('"W": -loss_w.detach()', '"W": loss_w.detach()'), "critic_step", "W is minus"),
    (
        "06",
        "BatchNorm left in the critic",
        ("down_block(width, 2 * width, bn=False)", "down_block(width, 2 * width, bn=True)"),
        "Critic",
        "BatchNorm",
    ),
    (
        "06",
        "dropout in the critic",
        ("down_block(width, 2 * width, bn=False),", "down_block(width, 2 * width, bn=False, dropout=0.3),"),
        "Critic",
        "from call to call",
    ),
    (
        "06",
        "sigmoid on the critic",
        ("return self.head(self.body(x)).squeeze(1)", "return torch.sigmoid(self.head(self.body(x)).squeeze(1))"),
        "Critic",
        "sigmoid",
    ),
]
