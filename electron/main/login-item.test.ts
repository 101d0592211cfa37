import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/helpers/gateway.js';
import { autostartFile, desktopEntry, execArg, launchCommand, settleLoginItem, xdgLoginItem } from './login-item.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'gatehouse-autostart-'));
  dirs.push(d);
  return d;
};

const APP = { exec: '/opt/Gatehouse/gatehouse', args: ['--hidden'] };

describe('start at login on Linux (XDG autostart)', () => {
  it('lives in $XDG_CONFIG_HOME/autostart, else ~/.config/autostart; a relative XDG_CONFIG_HOME is ignored, as the spec says', () => {
    expect(autostartFile({ XDG_CONFIG_HOME: '/cfg' }, '/home/ada')).toBe('/cfg/autostart/gatehouse.desktop');
    expect(autostartFile({}, '/home/ada')).toBe('/home/ada/.config/autostart/gatehouse.desktop');
    expect(autostartFile({ XDG_CONFIG_HOME: '' }, '/home/ada')).toBe('/home/ada/.config/autostart/gatehouse.desktop');
    expect(autostartFile({ XDG_CONFIG_HOME: 'cfg' }, '/home/ada')).toBe('/home/ada/.config/autostart/gatehouse.desktop');
  });

  it('enabling writes the entry (creating autostart/), disabling removes it', () => {
    const file = autostartFile({ XDG_CONFIG_HOME: join(tmp(), 'config') });
    const item = xdgLoginItem(file, APP);
    expect(item.enabled()).toBe(false);
    item.set(true);
    expect(item.enabled()).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(
      [
        '[Desktop Entry]',
        'Type=Application',
        'Version=1.0',
        'Name=Gatehouse',
        'Comment=Runs the Gatehouse gateway for your agents from login (tray only)',
        'Exec=/opt/Gatehouse/gatehouse --hidden',
        'Terminal=false',
        'X-GNOME-Autostart-enabled=true',
        '',
      ].join('\n'),
    );
    expect(statSync(file).mode & 0o777).toBe(0o644);
    item.set(false);
    expect(existsSync(file)).toBe(false);
    expect(item.enabled()).toBe(false);
    // Off twice is no error.
    item.set(false);
  });

  it("an entry the desktop's own switch turned off (Hidden, X-GNOME-Autostart-enabled=false) counts as off", () => {
    const file = join(tmp(), 'autostart', 'gatehouse.desktop');
    const item = xdgLoginItem(file, APP);
    item.set(true);
    writeFileSync(file, readFileSync(file, 'utf8').replace('X-GNOME-Autostart-enabled=true', 'X-GNOME-Autostart-enabled=false'));
    expect(item.enabled()).toBe(false);
    writeFileSync(file, `${desktopEntry(APP)}Hidden=true\n`);
    expect(item.enabled()).toBe(false);
  });

  it('quotes Exec arguments as the Desktop Entry spec says', () => {
    expect(execArg('/usr/bin/gatehouse')).toBe('/usr/bin/gatehouse');
    expect(execArg('/home/ada/My Apps/Gatehouse.AppImage')).toBe('"/home/ada/My Apps/Gatehouse.AppImage"');
    // Inside quotes `"`, `` ` ``, `$` and `\` get a backslash; the string escape then doubles every backslash.
    expect(execArg('/a$b')).toBe('"/a\\\\$b"');
    expect(execArg('/a"b')).toBe('"/a\\\\"b"');
    expect(execArg('/a\\b')).toBe('"/a\\\\\\\\b"');
    expect(execArg('/100%/x')).toBe('/100%%/x');
    expect(execArg('')).toBe('""');
    expect(() => execArg('/a\nb')).toThrow('line break');
  });

  // GLib's own Desktop Entry parser (gio launch) runs the entry: the command it starts must get exactly our arguments.
  const gio = spawnSync('gio', ['version'], { encoding: 'utf8' }).status === 0;
  it.runIf(gio)('a desktop launches the entry with the exact path and arguments, awkward characters and all (GLib gio launch)', async () => {
    const root = tmp();
    const dir = join(root, `My Apps $HOME "q" 'x' \`t\` back\\slash`);
    mkdirSync(dir, { recursive: true });
    const out = join(root, 'argv.txt');
    const exe = join(dir, 'run me.sh');
    writeFileSync(exe, `#!/bin/sh\nfor a in "$0" "$@"; do printf '%s\\n' "$a"; done > '${out}'\n`);
    chmodSync(exe, 0o755);
    const file = join(root, 'autostart', 'gatehouse.desktop');
    xdgLoginItem(file, launchCommand({ packaged: false, execPath: exe, mainScript: join(dir, 'main $1.js'), env: {} })).set(true);
    const r = spawnSync('gio', ['launch', file], { encoding: 'utf8', timeout: 10_000 });
    expect(r.stderr).toBe('');
    const argv = await waitFor(() => (existsSync(out) ? readFileSync(out, 'utf8') : null), 'the launched entry to write its arguments');
    expect(argv.split('\n').slice(0, -1)).toEqual([exe, join(dir, 'main $1.js'), '--hidden']);
  });
  if (!gio) {
    const reason = 'the gio launch round trip of the autostart entry: GLib gio is not installed (apt-get install libglib2.0-bin)';
    if (process.env.GATEHOUSE_TEST_GIO === 'required') throw new Error(`${reason}, and GATEHOUSE_TEST_GIO=required`);
    console.log(`skipping ${reason}`);
  }
});

describe('what the login entry runs', () => {
  it('a packaged app itself, an AppImage its own file (not the mount it runs from), a checkout Electron with the main script', () => {
    expect(launchCommand({ packaged: true, execPath: '/opt/Gatehouse/gatehouse', mainScript: '/x', env: {} })).toEqual({ exec: '/opt/Gatehouse/gatehouse', args: ['--hidden'] });
    expect(launchCommand({ packaged: true, execPath: '/tmp/.mount_GatehXYZ/gatehouse', mainScript: '/x', env: { APPIMAGE: '/home/ada/Gatehouse.AppImage' } })).toEqual({
      exec: '/home/ada/Gatehouse.AppImage',
      args: ['--hidden'],
    });
    expect(launchCommand({ packaged: false, execPath: '/w/node_modules/electron/dist/electron', mainScript: '/w/dist/electron/main/index.js', env: {} })).toEqual({
      exec: '/w/node_modules/electron/dist/electron',
      args: ['/w/dist/electron/main/index.js', '--hidden'],
    });
  });

  it('first run: on for a packaged app, untouched from a checkout; after that the OS holds the choice, and a moved app rewrites its entry', () => {
    const file = join(tmp(), 'autostart', 'gatehouse.desktop');
    const checkout = { exec: '/w/node_modules/electron/dist/electron', args: ['/w/dist/electron/main/index.js', '--hidden'] };
    expect(settleLoginItem(xdgLoginItem(file, checkout), undefined, false)).toBe(false);
    expect(existsSync(file)).toBe(false);
    expect(settleLoginItem(xdgLoginItem(file, APP), undefined, true)).toBe(true);
    // A checkout's first run neither removes nor repoints an installed app's entry.
    expect(settleLoginItem(xdgLoginItem(file, checkout), undefined, false)).toBe(true);
    expect(readFileSync(file, 'utf8')).toContain('Exec=/opt/Gatehouse/gatehouse --hidden');
    expect(readFileSync(file, 'utf8')).toContain('Exec=/opt/Gatehouse/gatehouse --hidden');

    const moved = { exec: '/home/ada/Apps/Gatehouse.AppImage', args: ['--hidden'] };
    expect(settleLoginItem(xdgLoginItem(file, moved), true, true)).toBe(true);
    expect(readFileSync(file, 'utf8')).toContain('Exec=/home/ada/Apps/Gatehouse.AppImage --hidden');

    // Switched off in the desktop's settings since: the app follows, and does not turn it back on.
    rmSync(file);
    expect(settleLoginItem(xdgLoginItem(file, moved), true, true)).toBe(false);
    expect(existsSync(file)).toBe(false);
  });
});
