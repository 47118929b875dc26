"""Messaging channels: one package per provider, each with pure verify/parse functions and a sender."""
