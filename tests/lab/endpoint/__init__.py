# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab's loopback WS-Management endpoint: Windows hosts as the real winrm / psrp plugins see them.

One HTTP/1.1 server on 127.0.0.1 serves every lab host, each under its own path
(``/wsman/<inventory name>?seed=<state seed>``), with NTLM and message encryption (pyspnego as the
acceptor). ``resources.py`` holds the interface of a shell resource URI (WinRS cmd, PSRP).
"""
