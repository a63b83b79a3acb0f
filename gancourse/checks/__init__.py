"""Check cells for the notebooks. Introduced in lesson 01.

Each ``check_*`` either prints one success line or raises :class:`CheckFailed` (an ``AssertionError``) whose
message ends in a hint a student can act on. Every check is a probe (runs the student's code)
and a verdict (judges the values it returns): :mod:`.protocol` explains why the grader keeps
them in separate processes. One module (or package) per lesson holds its public checks and,
beside them, the hidden ones the grader adds (``HIDDEN``); :mod:`.common` has the helpers they
share. Student code that still raises ``NotImplementedError`` (an unfilled exercise) gets its own
clear message, and no check lets a deep torch traceback reach the student.
"""

from . import lesson01, lesson02, lesson03, lesson04, lesson05, lesson06, lesson07, lesson08, lesson09
from .common import OK, CheckFailed
from .lesson01 import (
    check_d_loss,
    check_d_step,
    check_discriminator,
    check_g_loss,
    check_g_step,
    check_game_steps,
    check_generator,
    check_toy_nets,
)
from .lesson02 import (
    check_conv_transpose_out_size,
    check_dcgan_discriminator,
    check_dcgan_generator,
    check_dcgan_init,
    check_down_block,
    check_up_block,
)
from .lesson03 import check_generate_digit, check_label_input, check_label_maps
from .lesson04 import check_cycle_loss, check_d_update, check_generator_update, check_identity_loss, check_image_pool
from .lesson05 import check_conditional_bn, check_hinge, check_projection, check_truncation
from .lesson06 import check_critic, check_critic_step, check_gradient_penalty, check_wasserstein_losses
from .lesson07 import check_frechet_distance, check_mmd2, check_precision_recall
from .lesson08 import check_conditional_patch_d, check_pix2pix_g_loss, check_receptive_field, check_unet_route
from .lesson09 import check_adain, check_mapping, check_mix_styles, check_noise, check_truncate_w
from .quiz import check_quiz

HIDDEN = {  # lesson -> [(name in the grade table, check name, the student's objects it takes)]
    f"0{n}": module.HIDDEN
    for n, module in enumerate(
        (lesson01, lesson02, lesson03, lesson04, lesson05, lesson06, lesson07, lesson08, lesson09), 1
    )
}

__all__ = [
    "OK",
    "CheckFailed",
    "HIDDEN",
    "check_toy_nets",
    "check_generator",
    "check_discriminator",
    "check_d_loss",
    "check_g_loss",
    "check_d_step",
    "check_g_step",
    "check_game_steps",
    "check_conv_transpose_out_size",
    "check_up_block",
    "check_down_block",
    "check_dcgan_init",
    "check_dcgan_generator",
    "check_dcgan_discriminator",
    "check_quiz",
    "check_label_input",
    "check_label_maps",
    "check_generate_digit",
    "check_cycle_loss",
    "check_image_pool",
    "check_d_update",
    "check_generator_update",
    "check_identity_loss",
    "check_conditional_bn",
    "check_projection",
    "check_hinge",
    "check_truncation",
    "check_wasserstein_losses",
    "check_gradient_penalty",
    "check_critic_step",
    "check_critic",
    "check_frechet_distance",
    "check_mmd2",
    "check_precision_recall",
    "check_unet_route",
    "check_receptive_field",
    "check_conditional_patch_d",
    "check_pix2pix_g_loss",
    "check_mapping",
    "check_adain",
    "check_noise",
    "check_mix_styles",
    "check_truncate_w",
]
