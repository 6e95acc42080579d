/*
 * bootparam.h - offsets in Linux/x86 struct boot_params (the "zero page")
 * and its setup header, per the kernel's boot protocol documentation
 * (Documentation/arch/x86/boot.rst). Shared by the payload and mkbzimage.
 * Header offsets are the same in the bzImage file and in boot_params.
 */
#ifndef GUEST_BOOTPARAM_H
#define GUEST_BOOTPARAM_H

/* struct boot_params */
#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_HDR			0x1f1	/* struct setup_header */

/* struct setup_header (absolute offsets) */
#define BP_SETUP_SECTS		0x1f1	/* u8: real-mode part = (n+1)*512 */
#define BP_ROOT_FLAGS		0x1f2	/* u16 */
#define BP_SYSSIZE		0x1f4	/* u32: payload size / 16 */
#define BP_RAM_SIZE		0x1f8	/* u16, obsolete */
#define BP_VID_MODE		0x1fa	/* u16 */
#define BP_ROOT_DEV		0x1fc	/* u16 */
#define BP_BOOT_FLAG		0x1fe	/* u16: 0xAA55 */
#define BP_JUMP			0x200	/* 2 bytes: jmp short to setup code */
#define BP_HDR_MAGIC		0x202	/* u32: "HdrS" */
#define BP_VERSION		0x206	/* u16: protocol version */
#define BP_REALMODE_SWTCH	0x208	/* u32 */
#define BP_START_SYS_SEG	0x20c	/* u16, obsolete */
#define BP_KERNEL_VERSION	0x20e	/* u16: version string - 0x200 */
#define BP_TYPE_OF_LOADER	0x210	/* u8, written by the loader */
#define BP_LOADFLAGS		0x211	/* u8 */
#define BP_SETUP_MOVE_SIZE	0x212	/* u16 */
#define BP_CODE32_START		0x214	/* u32 */
#define BP_RAMDISK_IMAGE	0x218	/* u32, written by the loader */
#define BP_RAMDISK_SIZE		0x21c	/* u32, written by the loader */
#define BP_BOOTSECT_KLUDGE	0x220	/* u32, obsolete */
#define BP_HEAP_END_PTR		0x224	/* u16 */
#define BP_EXT_LOADER_VER	0x226	/* u8 */
#define BP_EXT_LOADER_TYPE	0x227	/* u8 */
#define BP_CMD_LINE_PTR		0x228	/* u32, written by the loader */
#define BP_INITRD_ADDR_MAX	0x22c	/* u32 */
#define BP_KERNEL_ALIGNMENT	0x230	/* u32 */
#define BP_RELOCATABLE_KERNEL	0x234	/* u8 */
#define BP_MIN_ALIGNMENT	0x235	/* u8: log2 */
#define BP_XLOADFLAGS		0x236	/* u16 */
#define BP_CMDLINE_SIZE		0x238	/* u32 */
#define BP_HARDWARE_SUBARCH	0x23c	/* u32 */
#define BP_HARDWARE_SUBARCH_DATA 0x240	/* u64 */
#define BP_PAYLOAD_OFFSET	0x248	/* u32 */
#define BP_PAYLOAD_LENGTH	0x24c	/* u32 */
#define BP_SETUP_DATA		0x250	/* u64 */
#define BP_PREF_ADDRESS		0x258	/* u64 */
#define BP_INIT_SIZE		0x260	/* u32 */
#define BP_HANDOVER_OFFSET	0x264	/* u32 */
#define BP_KERNEL_INFO_OFFSET	0x268	/* u32 */
#define BP_HDR_END		0x26c

#define HDR_MAGIC		0x53726448u	/* "HdrS" */
#define BOOT_FLAG		0xaa55
#define LOADFLAGS_LOADED_HIGH	0x01
#define LOADFLAGS_CAN_USE_HEAP	0x80
#define XLF_KERNEL_64		0x0001

#endif
