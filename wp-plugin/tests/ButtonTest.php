<?php
/**
 * The storefront WhatsApp button: only when connected with a number, on matching pages, escaped.
 *
 * @package Sapa
 */

/**
 * Storefront button.
 */
class ButtonTest extends Sapa_Test_Case {

	/**
	 * A published page.
	 *
	 * @param string $title Title.
	 * @return int
	 */
	private function make_page( $title ) {
		$id = wp_insert_post(
			array(
				'post_type'   => 'page',
				'post_status' => 'publish',
				'post_title'  => $title,
			)
		);
		$this->assertIsInt( $id );
		$this->assertGreaterThan( 0, $id );
		return $id;
	}

	/**
	 * Makes $page_id the current storefront page.
	 *
	 * @param int $page_id Page.
	 */
	private function visit( $page_id ) {
		$GLOBALS['wp_query']     = new WP_Query( array( 'page_id' => $page_id ) );
		$GLOBALS['wp_the_query'] = $GLOBALS['wp_query'];
		$this->assertTrue( is_page( $page_id ) );
	}

	/**
	 * Footer output.
	 *
	 * @return string
	 */
	private function footer() {
		return $this->capture(
			function () {
				// As a page view does: WordPress 6.4+ unhooks its deprecated skip link while enqueuing scripts.
				remove_action( 'wp_footer', 'the_block_template_skip_link' );
				do_action( 'wp_footer' );
			}
		);
	}

	/**
	 * Settings with changes.
	 *
	 * @param array $changes Overrides.
	 */
	private function settings( array $changes ) {
		update_option( Sapa_Options::SETTINGS, array_merge( Sapa_Options::default_settings(), $changes ) );
	}

	public function test_no_button_when_not_connected() {
		$this->visit( $this->make_page( 'Home' ) );
		$this->assertStringNotContainsString( 'sapa-whatsapp-button', $this->footer() );
		do_action( 'wp_enqueue_scripts' );
		$this->assertFalse( wp_style_is( 'sapa-button', 'enqueued' ) );
	}

	public function test_no_button_when_connected_without_a_number() {
		$this->given_connected( null );
		$this->visit( $this->make_page( 'Home' ) );
		$this->assertStringNotContainsString( 'sapa-whatsapp-button', $this->footer() );
	}

	public function test_no_button_once_the_key_is_gone() {
		$this->given_connected();
		delete_option( Sapa_Options::API_KEY );
		$this->visit( $this->make_page( 'Home' ) );
		$this->assertStringNotContainsString( 'sapa-whatsapp-button', $this->footer() );
	}

	public function test_button_links_to_wa_me_with_the_message_and_is_accessible() {
		$this->given_connected( '+6281100000001' );
		$this->settings(
			array(
				'button_label' => 'Tanya kami',
				'message'      => 'Halo! Saya mau tanya & pesan?',
				'position'     => 'left',
			)
		);
		$this->visit( $this->make_page( 'Home' ) );
		$html = $this->footer();

		$this->assertStringContainsString( 'href="https://wa.me/6281100000001?text=Halo%21%20Saya%20mau%20tanya%20%26%20pesan%3F"', $html );
		$this->assertStringContainsString( 'sapa-whatsapp-button--left', $html );
		$this->assertStringContainsString( 'aria-label="Tanya kami on WhatsApp (opens in a new tab)"', $html );
		$this->assertStringContainsString( 'rel="noopener noreferrer"', $html );
		$this->assertStringContainsString( '<span class="sapa-whatsapp-button__label">Tanya kami</span>', $html );
		$this->assertStringContainsString( 'aria-hidden="true" focusable="false"', $html, 'the icon is hidden from screen readers' );
		$this->assertDoesNotMatchRegularExpression( '/tabindex="-1"/', $html, 'a plain link stays keyboard-focusable' );

		do_action( 'wp_enqueue_scripts' );
		$this->assertTrue( wp_style_is( 'sapa-button', 'enqueued' ) );
	}

	public function test_button_output_is_escaped() {
		$this->given_connected( '+6281100000001' );
		$this->settings(
			array(
				'button_label' => '"><script>alert(1)</script>',
				'message'      => '"><script>alert(2)</script>',
				'position'     => '"><script>alert(3)</script>',
			)
		);
		$this->visit( $this->make_page( 'Home' ) );
		$html = $this->footer();

		$this->assertStringContainsString( 'sapa-whatsapp-button', $html );
		$this->assertStringNotContainsString( '<script>alert', $html );
		$this->assertStringContainsString( '&lt;script&gt;alert(1)&lt;/script&gt;', $html );
		$this->assertStringContainsString( 'sapa-whatsapp-button--right', $html, 'an unknown position falls back to right' );
	}

	public function test_only_listed_pages() {
		$this->given_connected();
		$listed   = $this->make_page( 'Contact' );
		$unlisted = $this->make_page( 'About' );
		$this->settings(
			array(
				'pages'    => 'only',
				'page_ids' => array( $listed ),
			)
		);
		$this->visit( $listed );
		$this->assertStringContainsString( 'sapa-whatsapp-button', $this->footer() );
		$this->visit( $unlisted );
		$this->assertStringNotContainsString( 'sapa-whatsapp-button', $this->footer() );
	}

	public function test_all_but_listed_pages() {
		$this->given_connected();
		$excluded = $this->make_page( 'Terms' );
		$other    = $this->make_page( 'Shop' );
		$this->settings(
			array(
				'pages'    => 'except',
				'page_ids' => array( $excluded ),
			)
		);
		$this->visit( $excluded );
		$this->assertStringNotContainsString( 'sapa-whatsapp-button', $this->footer() );
		$this->visit( $other );
		$this->assertStringContainsString( 'sapa-whatsapp-button', $this->footer() );
	}

	public function test_hidden_on_cart_and_checkout_unless_allowed() {
		$this->given_connected();
		$checkout = $this->make_page( 'Checkout' );
		$cart     = $this->make_page( 'Cart' );
		update_option( 'woocommerce_checkout_page_id', $checkout );
		update_option( 'woocommerce_cart_page_id', $cart );

		$this->settings( array( 'hide_on_checkout' => true ) );
		foreach ( array( $checkout, $cart ) as $page ) {
			$this->visit( $page );
			$this->assertStringNotContainsString( 'sapa-whatsapp-button', $this->footer() );
		}

		$this->settings( array( 'hide_on_checkout' => false ) );
		$this->visit( $checkout );
		$this->assertStringContainsString( 'sapa-whatsapp-button', $this->footer() );
	}

	public function test_link_without_message() {
		$this->assertSame( 'https://wa.me/6281100000001', Sapa_Button::link( '6281100000001', '' ) );
	}
}
