package dev.treekill.agent.starts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The cookie format and the one "is beneath" rule that the escapee search and exit guards share. */
class CookiesTest {
    @Test
    void aJvmThatInheritedNoCookieMintsItsOwn() {
        assertEquals("tk1f-ff-", Cookies.prefix(null, 31, 255));
        assertEquals("tk1f-ff-", Cookies.prefix("", 31, 255));
    }

    @Test
    void aJvmThatInheritedACookieMintsBeneathItAndSoOnAtAnyDepth() {
        String outer = Cookies.prefix(null, 0x10, 1) + "3";
        String inner = Cookies.prefix(outer, 0x20, 2) + "1";
        String innermost = Cookies.prefix(inner, 0x30, 3) + "7";
        assertEquals("tk10-1-3/tk20-2-1/tk30-3-7", innermost);
        assertTrue(Cookies.isBeneath(innermost, outer));
        assertTrue(Cookies.isBeneath(innermost, inner));
        assertTrue(Cookies.isBeneath(outer, outer), "a cookie is beneath itself");
        assertFalse(Cookies.isBeneath(outer, inner), "not the other way round");
    }

    @Test
    void sharingAPrefixIsNotBeingBeneath() {
        assertFalse(Cookies.isBeneath("tk10-1-30", "tk10-1-3"));
        assertFalse(Cookies.isBeneath("tk10-1-30/tk20-2-1", "tk10-1-3"));
        assertFalse(Cookies.isBeneath(null, "tk10-1-3"));
        assertFalse(Cookies.isBeneath("tk10-1-3", null));
        assertFalse(Cookies.isBeneath("anything", ""));
    }

    @Test
    void anOptOutValueIsExtendedToSoItsNestedJvmsStayOptedOut() {
        String minted = Cookies.prefix("dontKillMe", 0x40, 4) + "1";
        assertEquals("dontKillMe/tk40-4-1", minted);
        assertFalse(Cookies.isBeneath(minted, "tk10-1-3"));
    }

    @Test
    void aValueThatCannotBeExtendedByteForByteIsNotExtended() {
        assertEquals("tk40-4-", Cookies.prefix("build 42", 0x40, 4), "a space");
        assertEquals("tk40-4-", Cookies.prefix("caf\u00e9", 0x40, 4), "not ASCII");
        assertEquals("tk40-4-", Cookies.prefix("a=b", 0x40, 4));
        assertEquals("tk40-4-", Cookies.prefix("x".repeat(Cookies.MAX_INHERITED_LENGTH + 1), 0x40, 4), "too long");
        String longest = "x".repeat(Cookies.MAX_INHERITED_LENGTH);
        assertEquals(longest + "/tk40-4-", Cookies.prefix(longest, 0x40, 4));
    }

    @Test
    void theCookieOfAnEnvironmentIsItsFirstTreekillCookieEntry() {
        assertEquals("tk1-2-3", Cookies.in("PATH=/bin\0TREEKILL_COOKIE=tk1-2-3\0"));
        assertEquals("first", Cookies.in("TREEKILL_COOKIE=first\0TREEKILL_COOKIE=second\0"));
        assertNull(Cookies.in("XTREEKILL_COOKIE=tk1-2-3\0"));
        assertNull(Cookies.in(null));
        assertTrue(Cookies.environIsBeneath("TREEKILL_COOKIE=tk1-2-3/tk4-5-6\0", "tk1-2-3"));
        assertFalse(Cookies.environIsBeneath("PATH=/bin\0", "tk1-2-3"));
    }

    @Test
    void followingParentsVisitsExactlyTheCookiesACookieIsBeneath() {
        String cookie = "launcher/tk1-2-3/tk4-5-6";
        java.util.List<String> visited = new java.util.ArrayList<>();
        for (String c = cookie; c != null; c = Cookies.parentOf(c)) {
            visited.add(c);
            assertTrue(Cookies.isBeneath(cookie, c), c);
        }
        assertEquals(java.util.List.of(cookie, "launcher/tk1-2-3", "launcher"), visited);
        assertNull(Cookies.parentOf("tk1-2-3"));
        assertNull(Cookies.parentOf(null));
        assertNull(Cookies.parentOf("/tk1-2-3"), "an empty parent is none");
    }
}
