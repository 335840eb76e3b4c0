"""Environments for learning agents. ``import spikeflow.envs`` registers
``spikeflow/Forage-v0`` with gymnasium when gymnasium is installed (``spikeflow[gym]``)."""

import importlib.util

from .forage import Arena, ForageConfig, register

if importlib.util.find_spec("gymnasium") is not None:
    register()

__all__ = ["Arena", "ForageConfig", "register"]
