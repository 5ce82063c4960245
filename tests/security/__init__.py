# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The security yardstick: what a defender's tools would say of every text the collection sends.

- suspicious_words: Windows PowerShell 5.1's own suspicious-content check (a Warning 4104 event even with
  script block logging off);
- detection_patterns: the public detection rules (SigmaHQ, Elastic) that matter for what we send, as data;
- allow: findings we expect, each with its reason.
"""
