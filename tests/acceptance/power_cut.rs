//! A disk that loses what was never synced: a FUSE file system over a real
//! folder that keeps every write in memory until the file is `fsync`ed, and on
//! [`PowerCutDisk::cut`] throws the unsynced writes away and fails every later
//! call with EIO, as a laptop whose battery died would (ADR 0013).
//!
//! What it models, and what it does not:
//! - File data is durable only once `fsync`/`fdatasync` of that file returned.
//!   A write that was merely `close`d, or sat in the page cache, is lost.
//! - Metadata (create, rename, unlink, chmod) reaches the folder at once. A
//!   real disk may lose a rename that was not followed by a folder `fsync`, so
//!   this layer is kinder there; every rename Confidant relies on is preceded by
//!   an `fsync` of the file's data, which it does check.
//! - Writes are kept in 4 KiB pages, so a torn page cannot happen either.
//!
//! Needs `/dev/fuse` and root (CI and the development machines have both).

use std::collections::{BTreeMap, HashMap};
use std::ffi::OsStr;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fuser::{
    FileAttr, FileType, Filesystem, MountOption, ReplyAttr, ReplyCreate, ReplyData, ReplyDirectory, ReplyEmpty,
    ReplyEntry, ReplyOpen, ReplyStatfs, ReplyWrite, Request, TimeOrNow,
};

const PAGE: u64 = 4096;
const ROOT: u64 = 1;
/// Attributes and names are never cached by the kernel: sizes change under it.
const TTL: Duration = Duration::ZERO;

/// A mounted power-cut disk. Unmounted when dropped.
pub struct PowerCutDisk {
    mount_point: PathBuf,
    state: Arc<Mutex<State>>,
    session: Option<fuser::BackgroundSession>,
}

impl std::fmt::Debug for PowerCutDisk {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("PowerCutDisk").field("mount_point", &self.mount_point).finish_non_exhaustive()
    }
}

impl PowerCutDisk {
    /// Mounts the layer over `backing` at `mount_point` (both created if missing).
    pub fn mount(backing: &Path, mount_point: &Path) -> PowerCutDisk {
        std::fs::create_dir_all(backing).expect("backing folder");
        std::fs::create_dir_all(mount_point).expect("mount point");
        let state = Arc::new(Mutex::new(State::new(backing.to_path_buf())));
        let options = [MountOption::FSName("confidant-power-cut".to_owned()), MountOption::DefaultPermissions];
        let session = fuser::spawn_mount2(Layer(Arc::clone(&state)), mount_point, &options).unwrap_or_else(|error| {
            panic!("cannot mount the power-cut disk ({error}): the fault tests need /dev/fuse and root, as CI has")
        });
        PowerCutDisk { mount_point: mount_point.to_path_buf(), state, session: Some(session) }
    }

    /// Where programs see the disk.
    pub fn path(&self) -> &Path {
        &self.mount_point
    }

    /// The power goes: unsynced writes are gone, and every later call fails.
    /// Returns how many unsynced pages were thrown away.
    pub fn cut(&self) -> usize {
        let mut state = lock(&self.state);
        state.dead = true;
        let lost = state.unsynced.values().map(|file| file.pages.len()).sum();
        state.unsynced.clear();
        lost
    }

    /// Unmounts (after [`cut`](Self::cut) and once the programs using it have
    /// ended): the backing folder then holds what a restarted laptop would find.
    pub fn unmount(mut self) {
        self.session.take();
    }
}

impl Drop for PowerCutDisk {
    fn drop(&mut self) {
        lock(&self.state).dead = true;
        self.session.take();
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Writes to one file since its last `fsync`.
#[derive(Default)]
struct Unsynced {
    /// Whole pages as the program last wrote them.
    pages: BTreeMap<u64, Vec<u8>>,
    /// The file's length as the program sees it.
    len: u64,
    /// The shortest the file was cut to since the last sync: backing bytes
    /// from here on read as zeros.
    shrunk_to: Option<u64>,
}

struct State {
    backing: PathBuf,
    dead: bool,
    paths: HashMap<u64, PathBuf>,
    inodes: HashMap<PathBuf, u64>,
    next_inode: u64,
    unsynced: HashMap<u64, Unsynced>,
}

type Reply<T> = Result<T, i32>;

fn io_error(error: &std::io::Error) -> i32 {
    error.raw_os_error().unwrap_or(libc::EIO)
}

impl State {
    fn new(backing: PathBuf) -> State {
        let mut state = State {
            backing,
            dead: false,
            paths: HashMap::new(),
            inodes: HashMap::new(),
            next_inode: ROOT + 1,
            unsynced: HashMap::new(),
        };
        state.paths.insert(ROOT, PathBuf::new());
        state.inodes.insert(PathBuf::new(), ROOT);
        state
    }

    fn alive(&self) -> Reply<()> {
        if self.dead { Err(libc::EIO) } else { Ok(()) }
    }

    fn relative(&self, inode: u64) -> Reply<PathBuf> {
        self.paths.get(&inode).cloned().ok_or(libc::ENOENT)
    }

    fn real(&self, inode: u64) -> Reply<PathBuf> {
        Ok(self.backing.join(self.relative(inode)?))
    }

    fn child(&self, parent: u64, name: &OsStr) -> Reply<PathBuf> {
        Ok(self.relative(parent)?.join(name))
    }

    fn inode_for(&mut self, relative: PathBuf) -> u64 {
        if let Some(inode) = self.inodes.get(&relative) {
            return *inode;
        }
        let inode = self.next_inode;
        self.next_inode += 1;
        self.paths.insert(inode, relative.clone());
        self.inodes.insert(relative, inode);
        inode
    }

    fn forget_path(&mut self, relative: &Path) {
        if let Some(inode) = self.inodes.remove(relative) {
            self.paths.remove(&inode);
            self.unsynced.remove(&inode);
        }
    }

    fn attr(&self, inode: u64) -> Reply<FileAttr> {
        let metadata = std::fs::symlink_metadata(self.real(inode)?).map_err(|error| io_error(&error))?;
        let kind = if metadata.is_dir() { FileType::Directory } else { FileType::RegularFile };
        let size = self.unsynced.get(&inode).map_or(metadata.len(), |file| file.len);
        let time = |seconds: i64| UNIX_EPOCH + Duration::from_secs(seconds.max(0) as u64);
        Ok(FileAttr {
            ino: inode,
            size,
            blocks: size.div_ceil(512),
            atime: time(metadata.atime()),
            mtime: time(metadata.mtime()),
            ctime: time(metadata.ctime()),
            crtime: time(metadata.ctime()),
            kind,
            perm: (metadata.mode() & 0o7777) as u16,
            nlink: metadata.nlink() as u32,
            uid: metadata.uid(),
            gid: metadata.gid(),
            rdev: 0,
            blksize: PAGE as u32,
            flags: 0,
        })
    }

    fn entry(&mut self, relative: PathBuf) -> Reply<FileAttr> {
        std::fs::symlink_metadata(self.backing.join(&relative)).map_err(|error| io_error(&error))?;
        let inode = self.inode_for(relative);
        self.attr(inode)
    }

    /// One page as the disk holds it (before unsynced writes).
    fn synced_page(&self, inode: u64, index: u64) -> Reply<Vec<u8>> {
        let mut page = vec![0; PAGE as usize];
        let file = File::open(self.real(inode)?).map_err(|error| io_error(&error))?;
        let start = index * PAGE;
        let mut filled = 0;
        while filled < page.len() {
            match file.read_at(&mut page[filled..], start + filled as u64) {
                Ok(0) => break,
                Ok(count) => filled += count,
                Err(error) => return Err(io_error(&error)),
            }
        }
        if let Some(shrunk_to) = self.unsynced.get(&inode).and_then(|file| file.shrunk_to) {
            for (offset, byte) in page.iter_mut().enumerate() {
                if start + offset as u64 >= shrunk_to {
                    *byte = 0;
                }
            }
        }
        Ok(page)
    }

    fn page(&self, inode: u64, index: u64) -> Reply<Vec<u8>> {
        match self.unsynced.get(&inode).and_then(|file| file.pages.get(&index)) {
            Some(page) => Ok(page.clone()),
            None => self.synced_page(inode, index),
        }
    }

    fn len(&self, inode: u64) -> Reply<u64> {
        match self.unsynced.get(&inode) {
            Some(file) => Ok(file.len),
            None => Ok(std::fs::metadata(self.real(inode)?).map_err(|error| io_error(&error))?.len()),
        }
    }

    fn unsynced_mut(&mut self, inode: u64) -> Reply<&mut Unsynced> {
        let len = self.len(inode)?;
        Ok(self.unsynced.entry(inode).or_insert_with(|| Unsynced { len, ..Unsynced::default() }))
    }

    fn read(&self, inode: u64, offset: u64, size: u64) -> Reply<Vec<u8>> {
        let end = (offset + size).min(self.len(inode)?);
        let mut out = Vec::new();
        let mut position = offset;
        while position < end {
            let index = position / PAGE;
            let page = self.page(inode, index)?;
            let from = (position - index * PAGE) as usize;
            let to = ((end - index * PAGE).min(PAGE)) as usize;
            out.extend_from_slice(&page[from..to]);
            position = index * PAGE + to as u64;
        }
        Ok(out)
    }

    fn write(&mut self, inode: u64, offset: u64, data: &[u8]) -> Reply<()> {
        let mut position = offset;
        let end = offset + data.len() as u64;
        while position < end {
            let index = position / PAGE;
            let mut page = self.page(inode, index)?;
            let from = (position - index * PAGE) as usize;
            let to = ((end - index * PAGE).min(PAGE)) as usize;
            let source = (position - offset) as usize;
            page[from..to].copy_from_slice(&data[source..source + (to - from)]);
            self.unsynced_mut(inode)?.pages.insert(index, page);
            position = index * PAGE + to as u64;
        }
        let file = self.unsynced_mut(inode)?;
        file.len = file.len.max(end);
        Ok(())
    }

    fn truncate(&mut self, inode: u64, size: u64) -> Reply<()> {
        let file = self.unsynced_mut(inode)?;
        if size < file.len {
            file.shrunk_to = Some(file.shrunk_to.map_or(size, |before| before.min(size)));
            file.pages.retain(|index, _| index * PAGE < size);
            if let Some(page) = file.pages.get_mut(&(size / PAGE)) {
                page[(size % PAGE) as usize..].fill(0);
            }
        }
        file.len = size;
        Ok(())
    }

    /// `fsync`: the unsynced writes reach the disk.
    fn sync(&mut self, inode: u64) -> Reply<()> {
        let Some(file) = self.unsynced.remove(&inode) else { return Ok(()) };
        let real = self.real(inode)?;
        let result = (|| -> std::io::Result<()> {
            let backing = OpenOptions::new().write(true).open(&real)?;
            if let Some(shrunk_to) = file.shrunk_to {
                backing.set_len(shrunk_to)?;
            }
            for (index, page) in &file.pages {
                let start = index * PAGE;
                if start >= file.len {
                    continue;
                }
                let count = (file.len - start).min(PAGE) as usize;
                backing.write_all_at(&page[..count], start)?;
            }
            backing.set_len(file.len)?;
            backing.sync_all()
        })();
        result.map_err(|error| io_error(&error))
    }
}

struct Layer(Arc<Mutex<State>>);

impl Layer {
    fn state(&self) -> Reply<MutexGuard<'_, State>> {
        let state = lock(&self.0);
        state.alive()?;
        Ok(state)
    }
}

fn answer_entry(result: Reply<FileAttr>, reply: ReplyEntry) {
    match result {
        Ok(attr) => reply.entry(&TTL, &attr, 0),
        Err(code) => reply.error(code),
    }
}

fn answer_empty(result: Reply<()>, reply: ReplyEmpty) {
    match result {
        Ok(()) => reply.ok(),
        Err(code) => reply.error(code),
    }
}

impl Filesystem for Layer {
    fn lookup(&mut self, _request: &Request<'_>, parent: u64, name: &OsStr, reply: ReplyEntry) {
        let result = self.state().and_then(|mut state| {
            let relative = state.child(parent, name)?;
            state.entry(relative)
        });
        answer_entry(result, reply);
    }

    fn getattr(&mut self, _request: &Request<'_>, inode: u64, _handle: Option<u64>, reply: ReplyAttr) {
        match self.state().and_then(|state| state.attr(inode)) {
            Ok(attr) => reply.attr(&TTL, &attr),
            Err(code) => reply.error(code),
        }
    }

    fn setattr(
        &mut self,
        _request: &Request<'_>,
        inode: u64,
        mode: Option<u32>,
        _uid: Option<u32>,
        _gid: Option<u32>,
        size: Option<u64>,
        _atime: Option<TimeOrNow>,
        _mtime: Option<TimeOrNow>,
        _ctime: Option<SystemTime>,
        _handle: Option<u64>,
        _crtime: Option<SystemTime>,
        _chgtime: Option<SystemTime>,
        _bkuptime: Option<SystemTime>,
        _flags: Option<u32>,
        reply: ReplyAttr,
    ) {
        let result = self.state().and_then(|mut state| {
            if let Some(mode) = mode {
                let permissions = std::fs::Permissions::from_mode(mode & 0o7777);
                std::fs::set_permissions(state.real(inode)?, permissions).map_err(|error| io_error(&error))?;
            }
            if let Some(size) = size {
                state.truncate(inode, size)?;
            }
            state.attr(inode)
        });
        match result {
            Ok(attr) => reply.attr(&TTL, &attr),
            Err(code) => reply.error(code),
        }
    }

    fn mkdir(&mut self, _request: &Request<'_>, parent: u64, name: &OsStr, mode: u32, umask: u32, reply: ReplyEntry) {
        let result = self.state().and_then(|mut state| {
            let relative = state.child(parent, name)?;
            let real = state.backing.join(&relative);
            std::fs::create_dir(&real).map_err(|error| io_error(&error))?;
            let permissions = std::fs::Permissions::from_mode(mode & !umask & 0o7777);
            std::fs::set_permissions(&real, permissions).map_err(|error| io_error(&error))?;
            state.entry(relative)
        });
        answer_entry(result, reply);
    }

    fn unlink(&mut self, _request: &Request<'_>, parent: u64, name: &OsStr, reply: ReplyEmpty) {
        let result = self.state().and_then(|mut state| {
            let relative = state.child(parent, name)?;
            std::fs::remove_file(state.backing.join(&relative)).map_err(|error| io_error(&error))?;
            state.forget_path(&relative);
            Ok(())
        });
        answer_empty(result, reply);
    }

    fn rmdir(&mut self, _request: &Request<'_>, parent: u64, name: &OsStr, reply: ReplyEmpty) {
        let result = self.state().and_then(|mut state| {
            let relative = state.child(parent, name)?;
            std::fs::remove_dir(state.backing.join(&relative)).map_err(|error| io_error(&error))?;
            state.forget_path(&relative);
            Ok(())
        });
        answer_empty(result, reply);
    }

    fn rename(
        &mut self,
        _request: &Request<'_>,
        parent: u64,
        name: &OsStr,
        new_parent: u64,
        new_name: &OsStr,
        _flags: u32,
        reply: ReplyEmpty,
    ) {
        let result = self.state().and_then(|mut state| {
            let from = state.child(parent, name)?;
            let to = state.child(new_parent, new_name)?;
            std::fs::rename(state.backing.join(&from), state.backing.join(&to)).map_err(|error| io_error(&error))?;
            state.forget_path(&to);
            // Move the name and everything under it (a folder) to the new place.
            let moved: Vec<(PathBuf, u64)> = state
                .inodes
                .iter()
                .filter(|(path, _)| path.starts_with(&from))
                .map(|(path, inode)| (path.clone(), *inode))
                .collect();
            for (old, inode) in moved {
                let new = to.join(old.strip_prefix(&from).expect("under the moved path"));
                state.inodes.remove(&old);
                state.inodes.insert(new.clone(), inode);
                state.paths.insert(inode, new);
            }
            Ok(())
        });
        answer_empty(result, reply);
    }

    fn open(&mut self, _request: &Request<'_>, inode: u64, _flags: i32, reply: ReplyOpen) {
        match self.state().and_then(|state| state.attr(inode)) {
            Ok(_) => reply.opened(0, 0),
            Err(code) => reply.error(code),
        }
    }

    fn read(
        &mut self,
        _request: &Request<'_>,
        inode: u64,
        _handle: u64,
        offset: i64,
        size: u32,
        _flags: i32,
        _lock_owner: Option<u64>,
        reply: ReplyData,
    ) {
        match self.state().and_then(|state| state.read(inode, offset.max(0) as u64, u64::from(size))) {
            Ok(data) => reply.data(&data),
            Err(code) => reply.error(code),
        }
    }

    fn write(
        &mut self,
        _request: &Request<'_>,
        inode: u64,
        _handle: u64,
        offset: i64,
        data: &[u8],
        _write_flags: u32,
        _flags: i32,
        _lock_owner: Option<u64>,
        reply: ReplyWrite,
    ) {
        match self.state().and_then(|mut state| state.write(inode, offset.max(0) as u64, data)) {
            Ok(()) => reply.written(data.len() as u32),
            Err(code) => reply.error(code),
        }
    }

    fn flush(&mut self, _request: &Request<'_>, _inode: u64, _handle: u64, _lock_owner: u64, reply: ReplyEmpty) {
        // close() is not a sync: the data stays unsynced.
        answer_empty(self.state().map(|_| ()), reply);
    }

    fn fsync(&mut self, _request: &Request<'_>, inode: u64, _handle: u64, _datasync: bool, reply: ReplyEmpty) {
        answer_empty(self.state().and_then(|mut state| state.sync(inode)), reply);
    }

    fn opendir(&mut self, _request: &Request<'_>, inode: u64, _flags: i32, reply: ReplyOpen) {
        match self.state().and_then(|state| state.attr(inode)) {
            Ok(_) => reply.opened(0, 0),
            Err(code) => reply.error(code),
        }
    }

    fn readdir(&mut self, _request: &Request<'_>, inode: u64, _handle: u64, offset: i64, mut reply: ReplyDirectory) {
        let result = self.state().and_then(|mut state| {
            let relative = state.relative(inode)?;
            let mut entries = vec![(inode, FileType::Directory, ".".into()), (ROOT, FileType::Directory, "..".into())];
            let listing = std::fs::read_dir(state.backing.join(&relative)).map_err(|error| io_error(&error))?;
            for entry in listing.flatten() {
                let kind = if entry.path().is_dir() { FileType::Directory } else { FileType::RegularFile };
                let child = state.inode_for(relative.join(entry.file_name()));
                entries.push((child, kind, entry.file_name()));
            }
            Ok(entries)
        });
        match result {
            Ok(entries) => {
                for (index, (child, kind, name)) in entries.into_iter().enumerate().skip(offset.max(0) as usize) {
                    if reply.add(child, index as i64 + 1, kind, name) {
                        break;
                    }
                }
                reply.ok();
            }
            Err(code) => reply.error(code),
        }
    }

    fn fsyncdir(&mut self, _request: &Request<'_>, _inode: u64, _handle: u64, _datasync: bool, reply: ReplyEmpty) {
        answer_empty(self.state().map(|_| ()), reply);
    }

    fn statfs(&mut self, _request: &Request<'_>, _inode: u64, reply: ReplyStatfs) {
        reply.statfs(1 << 24, 1 << 23, 1 << 23, 1 << 20, 1 << 19, PAGE as u32, 255, PAGE as u32);
    }

    fn access(&mut self, _request: &Request<'_>, _inode: u64, _mask: i32, reply: ReplyEmpty) {
        answer_empty(self.state().map(|_| ()), reply);
    }

    fn create(
        &mut self,
        _request: &Request<'_>,
        parent: u64,
        name: &OsStr,
        mode: u32,
        umask: u32,
        _flags: i32,
        reply: ReplyCreate,
    ) {
        let result = self.state().and_then(|mut state| {
            let relative = state.child(parent, name)?;
            OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .mode(mode & !umask & 0o7777)
                .open(state.backing.join(&relative))
                .map_err(|error| io_error(&error))?;
            state.entry(relative)
        });
        match result {
            Ok(attr) => reply.created(&TTL, &attr, 0, 0, 0),
            Err(code) => reply.error(code),
        }
    }
}
