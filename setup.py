"""Packaging beside pyproject.toml: the cnnviz packages plus the shipped models.

The models live in resources/models at the project's top (where the README and the
app's source checkout find them); an installed copy carries them as the package
data of ``cnnviz._models`` (see cnnviz/shipped.py).
"""
from setuptools import find_packages, setup

setup(packages=find_packages(include=["cnnviz", "cnnviz.*"]) + ["cnnviz._models"],
      package_dir={"cnnviz._models": "resources/models"},
      package_data={"cnnviz._models": ["*.npz"]})
