"""Egg build for Scrapyd: ``scrapyd-deploy`` runs ``python setup.py bdist_egg`` here.

All metadata, packages and package data come from pyproject.toml. Scrapyd also needs the
``scrapy`` entry point ``settings = crawler.settings`` (scrapy.cfg's [settings] default) in the
egg; pyproject.toml's [project] table owns ``entry-points``, so setuptools ignores an
``entry_points=`` argument here and the entry point is added when the egg metadata is written.
"""
from setuptools import setup
from setuptools.command.egg_info import egg_info

SCRAPY_SETTINGS = "settings = crawler.settings"


class EggInfoWithScrapySettings(egg_info):
    def run(self):
        entry_points = dict(self.distribution.entry_points or {})
        group = entry_points.get("scrapy") or []
        if isinstance(group, str):
            group = [group]
        entry_points["scrapy"] = [*group, SCRAPY_SETTINGS] if SCRAPY_SETTINGS not in group else list(group)
        self.distribution.entry_points = entry_points
        super().run()


setup(cmdclass={"egg_info": EggInfoWithScrapySettings})
