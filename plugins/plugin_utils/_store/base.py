# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What both backends offer, written once over their create_new(). Internal use only: not a public API."""

from __future__ import annotations


class StoreBase:
    """A backend provides where, read, exists, names, create_new(name, replace), lock(name, timeout), close."""

    kind = ""
    location = ""

    def where(self, name: str) -> str:
        raise NotImplementedError

    def create_new(self, name: str, replace: bool = False):
        raise NotImplementedError

    def write_new(self, name: str, data: bytes) -> str:
        """Write a file that is never overwritten (StoreExists when the name is taken); returns where it is."""
        with self.create_new(name) as out:
            out.write(data)
        return self.where(name)

    def replace(self, name: str, data: bytes) -> str:
        """Replace a file in one step (the rollout state); returns where it is."""
        with self.create_new(name, replace=True) as out:
            out.write(data)
        return self.where(name)

    def close(self) -> None:
        return None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
