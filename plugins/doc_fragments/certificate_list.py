# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options that choose the required certificate list (KA-0001268), shared by the certificate modules."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  required_certificates:
    description:
      - Certificates to require in addition to the built-in list, or instead of an entry of it with the same
        thumbprint or name. Use it when Trend Micro updates its list before this collection does.
      - Each entry takes C(store) (V(Root) or V(CA)) and a C(thumbprint) (SHA-1, spaces, colons and case
        ignored) or a C(subject_cn), and optionally C(name) (default the subject CN), C(since_build), C(file)
        (default C(<thumbprint>.crt)), C(match) and C(source). C(match) defaults to V(thumbprint) for a root with a
        thumbprint and to V(thumbprint_or_cn) (the subject CN when the thumbprint is not found) otherwise.
      - The built-in list is written in this same form and completed the same way.
    type: list
    elements: dict
    default: []
  use_catalog:
    description:
      - Start from the built-in list of the article. With V(false), only O(required_certificates) counts.
    type: bool
    default: true
  build:
    description:
      - The Apex One build the host must be ready for. Certificates the article added for a later build
        (for example C(thawte Primary Root CA) for Critical Patch 11110) are then not required.
      - Omit it to require every certificate of the list, which is right for an upgrade to a current build.
    type: int
"""
