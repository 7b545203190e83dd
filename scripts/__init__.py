"""Helpers of the Makefile's install path: llama.cpp's build options, its wheel, its smoke test."""
